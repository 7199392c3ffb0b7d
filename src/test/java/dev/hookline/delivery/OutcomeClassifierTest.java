package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpClosedException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class OutcomeClassifierTest {

  @ParameterizedTest
  @ValueSource(ints = {200, 201, 204, 299})
  void twoHundredsAreSuccess(int status) {
    assertThat(OutcomeClassifier.classify(SendResult.response(status, "", 1))).isEqualTo(Verdict.SUCCESS);
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 425, 429, 500, 502, 503, 504})
  void retryableStatusesAreTransient(int status) {
    assertThat(OutcomeClassifier.classify(SendResult.response(status, "", 1))).isEqualTo(Verdict.TRANSIENT);
  }

  @ParameterizedTest
  @ValueSource(ints = {300, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 409, 410, 413, 422, 501, 505, 511})
  void redirectsAndOtherErrorsArePermanent(int status) {
    assertThat(OutcomeClassifier.classify(SendResult.response(status, "", 1))).isEqualTo(Verdict.PERMANENT);
  }

  static Stream<Throwable> transientErrors() {
    return Stream.of(
        new ConnectException("Connection refused"),
        new SocketTimeoutException("Read timed out"),
        new TimeoutException("The timeout period of 30000ms has been exceeded"),
        new HttpClosedException("Connection was closed"),
        new UnknownHostException("no-such-host.invalid"),
        new RuntimeException("wrapped", new IOException("Connection reset by peer")));
  }

  @ParameterizedTest
  @MethodSource("transientErrors")
  void networkFailuresAndTimeoutsAreTransient(Throwable error) {
    assertThat(OutcomeClassifier.classify(SendResult.failure(error, 1))).isEqualTo(Verdict.TRANSIENT);
  }

  static Stream<Throwable> permanentErrors() {
    return Stream.of(new IllegalArgumentException("bad"), new NullPointerException());
  }

  @ParameterizedTest
  @MethodSource("permanentErrors")
  void programmingErrorsArePermanent(Throwable error) {
    assertThat(OutcomeClassifier.classify(SendResult.failure(error, 1))).isEqualTo(Verdict.PERMANENT);
  }

  @Test
  void describesAStatusAsHttpCode() {
    assertThat(OutcomeClassifier.describe(SendResult.response(503, "secret body", 1))).isEqualTo("HTTP 503");
  }

  @Test
  void describesATimeoutAsTimeout() {
    assertThat(OutcomeClassifier.describe(SendResult.failure(new TimeoutException("30000 ms"), 1)))
        .startsWith("timeout");
    assertThat(OutcomeClassifier.describe(SendResult.failure(new SocketTimeoutException("Read timed out"), 1)))
        .startsWith("timeout");
  }

  @Test
  void describesANetworkFailureAsConnectionError() {
    assertThat(OutcomeClassifier.describe(SendResult.failure(new ConnectException("Connection refused"), 1)))
        .startsWith("connection_error");
  }

  @Test
  void describesAnythingElseAsUnexpectedError() {
    assertThat(OutcomeClassifier.describe(SendResult.failure(new IllegalArgumentException("bad"), 1)))
        .startsWith("unexpected_error");
  }

  @Test
  void describesAnErrorWithoutMessage() {
    assertThat(OutcomeClassifier.describe(SendResult.failure(new NullPointerException(), 1)))
        .isEqualTo("unexpected_error NullPointerException");
  }
}
