package dev.hookline.delivery;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Skips interim (1xx) answers such as 102 Processing, so the attempt waits for the final answer
 * within its deadline. Vert.x's HTTP/1 client handles 100 and 103 itself but takes any other 1xx
 * as the final answer, which would record a receiver still working on the request as a failure
 * (and then trip over the real answer). 101 is left alone: it is final by definition.
 *
 * <p>Installed on each new connection, after the HTTP codec: Vert.x exposes no hook for this, so
 * it reaches the Netty pipeline through its connection implementation.
 */
final class InterimResponses extends ChannelInboundHandlerAdapter {
  private static final String NAME = "hookline-interim-responses";
  private static final String CODEC = "codec";

  private boolean skippingEnd;

  /** Installs the filter on an HTTP/1 connection; any other kind is left as it is. */
  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      Channel channel = base.channel();
      if (channel.pipeline().get(CODEC) != null && channel.pipeline().get(NAME) == null) {
        channel.pipeline().addAfter(CODEC, NAME, new InterimResponses());
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpResponse response && isSkipped(response.status().code())) {
      // A 1xx has no body; the decoder still ends it with an empty last content, skipped too.
      skippingEnd = !(msg instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
      return;
    }
    if (skippingEnd && msg instanceof LastHttpContent) {
      skippingEnd = false;
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private static boolean isSkipped(int status) {
    return HttpStatusClass.valueOf(status) == HttpStatusClass.INFORMATIONAL && status != 100 && status != 101
        && status != 103;
  }
}
