package dev.hookline.delivery;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;

/**
 * Keeps only the first {@code cap} bytes of a response body and drains the rest, so a receiver
 * that answers with a huge body costs a bounded amount of memory.
 */
final class CappedBodyCodec implements BodyCodec<Buffer> {
  private final int cap;

  CappedBodyCodec(int cap) {
    this.cap = cap;
  }

  @Override
  public BodyStream<Buffer> stream() {
    return new CappedStream(cap);
  }

  private static final class CappedStream implements BodyStream<Buffer> {
    private final int cap;
    private final Buffer kept = Buffer.buffer();
    private final Promise<Buffer> result = Promise.promise();

    CappedStream(int cap) {
      this.cap = cap;
    }

    @Override
    public Future<Buffer> result() {
      return result.future();
    }

    @Override
    public void handle(Throwable failure) {
      result.tryFail(failure);
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
      int room = cap - kept.length();
      if (room > 0) {
        kept.appendBuffer(data.length() <= room ? data : data.slice(0, room));
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      result.tryComplete(kept);
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      return this;
    }
  }
}
