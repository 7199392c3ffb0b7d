package dev.hookline.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A real local HTTP receiver whose answers a test scripts, recording every request it gets. */
public final class Receiver implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;
  private final List<Received> requests = new CopyOnWriteArrayList<>();
  private volatile Function<Received, Reply> behaviour = request -> Reply.status(200);
  private volatile Runnable onAnswered = () -> { };

  private Receiver(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle);
  }

  public static Receiver start(Vertx vertx) {
    Receiver receiver = new Receiver(vertx);
    receiver.server.listen(0, "127.0.0.1").await();
    return receiver;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  public Receiver behave(Function<Received, Reply> behaviour) {
    this.behaviour = behaviour;
    return this;
  }

  /** Runs after each answer (or dropped connection), e.g. to track concurrency. */
  public Receiver onAnswered(Runnable onAnswered) {
    this.onAnswered = onAnswered;
    return this;
  }

  public List<Received> requests() {
    return List.copyOf(requests);
  }

  public List<Received> requestsTo(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).collect(Collectors.toList());
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      Received received = new Received(request.method().name(), request.path(),
          MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body.toString(), body.length() > 0);
      requests.add(received);
      Reply reply = behaviour.apply(received);
      Runnable answer = () -> {
        if (reply.dropConnection()) {
          request.connection().close();
        } else {
          reply.headers().forEach(request.response()::putHeader);
          request.response().setStatusCode(reply.status()).end(reply.body());
        }
        onAnswered.run();
      };
      if (reply.release() != null) {
        reply.release().onComplete(released -> answer.run());
      } else if (reply.delayMillis() > 0) {
        vertx.setTimer(reply.delayMillis(), id -> answer.run());
      } else {
        answer.run();
      }
    });
  }

  @Override
  public void close() {
    server.close().await();
  }

  public record Received(String method, String path, MultiMap headers, String body, boolean hasBody) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** {@code release}, when set, holds the answer until it completes (the test decides when it goes out). */
  public record Reply(int status, long delayMillis, boolean dropConnection, Map<String, String> headers, String body,
                      Future<?> release) {
    public Reply(int status, long delayMillis, boolean dropConnection, Map<String, String> headers, String body) {
      this(status, delayMillis, dropConnection, headers, body, null);
    }

    public static Reply heldUntil(Future<?> release, int status) {
      return new Reply(status, 0, false, Map.of(), "", release);
    }

    public static Reply status(int status) {
      return new Reply(status, 0, false, Map.of(), "");
    }

    public static Reply delayed(int status, long delayMillis) {
      return new Reply(status, delayMillis, false, Map.of(), "");
    }

    public static Reply drop() {
      return new Reply(0, 0, true, Map.of(), "");
    }

    public static Reply redirect(String location) {
      return new Reply(302, 0, false, Map.of("Location", location), "");
    }
  }
}
