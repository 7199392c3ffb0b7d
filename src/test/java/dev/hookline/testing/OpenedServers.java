package dev.hookline.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The hand-made receivers a test opened on its Vert.x (servers, their connections, the timers that
 * drive them), closed in one go after it so none outlives the test.
 */
public final class OpenedServers implements AutoCloseable {
  private final Vertx vertx;
  private final List<HttpServer> httpServers = new CopyOnWriteArrayList<>();
  private final List<NetServer> netServers = new CopyOnWriteArrayList<>();
  private final Set<Long> timers = ConcurrentHashMap.newKeySet();
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();

  public OpenedServers(Vertx vertx) {
    this.vertx = vertx;
  }

  public void track(HttpServer server) {
    httpServers.add(server);
  }

  public void track(NetServer server) {
    netServers.add(server);
  }

  public void track(NetSocket socket) {
    sockets.add(socket);
  }

  public void untrack(NetSocket socket) {
    sockets.remove(socket);
  }

  public void trackTimer(long timer) {
    timers.add(timer);
  }

  public void untrackTimer(long timer) {
    timers.remove(timer);
  }

  @Override
  public void close() {
    timers.forEach(vertx::cancelTimer);
    timers.clear();
    sockets.forEach(NetSocket::close);
    httpServers.forEach(server -> server.close().await());
    netServers.forEach(server -> server.close().await());
  }
}
