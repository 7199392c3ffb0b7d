package dev.hookline.credentials;

import dev.hookline.domain.BusReply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/** {@code hookline.credential.put} and {@code hookline.credential.delete}, request/reply. */
public final class CredentialVerticle extends VerticleBase {
  public static final String PUT_ADDRESS = "hookline.credential.put";
  public static final String DELETE_ADDRESS = "hookline.credential.delete";

  private final CredentialIntake intake;
  private MessageConsumer<Object> put;
  private MessageConsumer<Object> delete;

  public CredentialVerticle(CredentialIntake intake) {
    this.intake = intake;
  }

  @Override
  public Future<?> start() {
    put = vertx.eventBus().consumer(PUT_ADDRESS, message -> BusReply.send(message, () -> intake.put(message.body())
        .map(stored -> stored.toJson().put("status", stored.created() ? "created" : "updated"))));
    delete = vertx.eventBus().consumer(DELETE_ADDRESS, message -> BusReply.send(message, () -> intake.delete(message.body())
        .map(deleted -> new JsonObject().put("deleted", deleted))));
    return Future.all(put.completion(), delete.completion());
  }

  @Override
  public Future<?> stop() {
    return Future.all(put.unregister(), delete.unregister());
  }
}
