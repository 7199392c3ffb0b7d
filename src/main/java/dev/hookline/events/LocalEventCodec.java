package dev.hookline.events;

import dev.hookline.domain.OutcomeEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Hands an {@link OutcomeEvent} to this process's consumers as its JSON, built only when a consumer
 * takes it: most workers have none, and building the JSON for every outcome cost more than the
 * publish. Consumers still receive a {@link JsonObject}. Only for a non-clustered event bus, where
 * no other process has to decode the message.
 */
final class LocalEventCodec implements MessageCodec<OutcomeEvent, JsonObject> {
  static final String NAME = "hookline-outcome-event";

  /** Registers the codec once per event bus (several Hookline instances may share one Vert.x). */
  static void register(EventBus bus) {
    try {
      bus.registerCodec(new LocalEventCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // Another instance on this Vert.x registered it; the codec is stateless, so theirs serves.
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, OutcomeEvent event) {
    Buffer json = event.toJson().toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length));
  }

  @Override
  public JsonObject transform(OutcomeEvent event) {
    return event.toJson();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
