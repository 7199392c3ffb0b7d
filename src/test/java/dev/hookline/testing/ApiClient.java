package dev.hookline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/** Real HTTP calls to a running Hookline's API with a bearer token, awaited from the test thread. */
public final class ApiClient implements AutoCloseable {
  private final WebClient client;
  private final Hookline hookline;
  private final String token;

  public ApiClient(Vertx vertx, Hookline hookline, String token) {
    this.client = WebClient.create(vertx);
    this.hookline = hookline;
    this.token = token;
  }

  /** A request carrying the token; the caller sends it. */
  public HttpRequest<Buffer> request(HttpMethod method, String path) {
    return anonymous(method, path).putHeader("Authorization", "Bearer " + token);
  }

  /** A request without any token. */
  public HttpRequest<Buffer> anonymous(HttpMethod method, String path) {
    return client.request(method, hookline.httpPort(), "127.0.0.1", path);
  }

  /** A GET without a token to another Hookline's API (e.g. a second instance in the same test). */
  public HttpRequest<Buffer> anonymousTo(Hookline target, String path) {
    return client.request(HttpMethod.GET, target.httpPort(), "127.0.0.1", path);
  }

  public HttpResponse<Buffer> send(HttpMethod method, String path, JsonObject body) {
    HttpRequest<Buffer> request = request(method, path);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  public HttpResponse<Buffer> post(String path, JsonObject body) {
    return send(HttpMethod.POST, path, body);
  }

  public HttpResponse<Buffer> put(String path, JsonObject body) {
    return send(HttpMethod.PUT, path, body);
  }

  public HttpResponse<Buffer> get(String path) {
    return send(HttpMethod.GET, path, null);
  }

  public HttpResponse<Buffer> delete(String path) {
    return send(HttpMethod.DELETE, path, null);
  }

  /** The API's error shape: the status, a JSON body with a message and the offending field. */
  public static void assertError(HttpResponse<Buffer> response, int status, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isNotBlank();
    assertThat(body.containsKey("field")).isTrue();
    assertThat(body.getString("field")).isEqualTo(field);
  }

  @Override
  public void close() {
    client.close();
  }
}
