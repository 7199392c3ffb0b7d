package dev.hookline.security;

import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.util.List;

/** Turns a host name into every address it answers with. A seam so tests can script DNS. */
public interface HostResolver {
  Future<List<InetAddress>> resolve(String host);

  /**
   * The operating system's resolver (hosts file included), run on a worker thread because it blocks.
   * An address literal needs no lookup: it is parsed in place, sparing each attempt a thread hop.
   */
  static HostResolver system(Vertx vertx) {
    return host -> {
      InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
      if (literal != null) {
        return Future.succeededFuture(List.of(literal));
      }
      return vertx.executeBlocking(() -> List.of(InetAddress.getAllByName(host)), false);
    };
  }
}
