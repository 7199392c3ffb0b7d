package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A body excerpt cut at its byte cap decodes without a broken last character. */
class ExcerptTextTest {
  @ParameterizedTest
  @ValueSource(strings = {"ab\u00e4", "ab\u2713", "ab\uD83D\uDE00", "abc"})
  void aCharacterCutInTwoIsDroppedAndAWholeOneKept(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int cut = 2; cut <= bytes.length; cut++) {
      String decoded = WebhookSender.wholeCharacters(Buffer.buffer(java.util.Arrays.copyOf(bytes, cut)));

      assertThat(decoded).as("first %d bytes of %s", cut, text).doesNotContain("\uFFFD");
      assertThat(text).startsWith(decoded);
      assertThat(decoded.length()).isGreaterThanOrEqualTo(cut == bytes.length ? text.length() : 2);
    }
  }
}
