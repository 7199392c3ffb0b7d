package dev.hookline.intake;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Renders the template once and encodes the exact body every attempt will send. Receivers of the
 * reference implementation rely on {@code call_disposition} being present in object payloads.
 */
public final class PayloadFreezer {
  static final String DISPOSITION = "call_disposition";

  private final TemplateRenderer renderer;
  private final int maxBytes;

  public PayloadFreezer(TemplateRenderer renderer, int maxBytes) {
    this.renderer = renderer;
    this.maxBytes = maxBytes;
  }

  public String freeze(Object template, JsonObject renderContext) {
    Object rendered = renderer.render(template == null ? new JsonObject() : template, renderContext);
    String body = Json.encode(withDisposition(rendered, renderContext));
    int size = body.getBytes(StandardCharsets.UTF_8).length;
    if (size > maxBytes) {
      throw new PayloadTooLargeException("webhook.payloadTemplate",
          "rendered payload is " + size + " bytes, over the " + maxBytes + "-byte limit");
    }
    return body;
  }

  /** Adds the disposition from the gathered context unless the template already set one. */
  static Object withDisposition(Object rendered, JsonObject renderContext) {
    if (!(rendered instanceof JsonObject object) || object.containsKey(DISPOSITION)) {
      return rendered;
    }
    Object gathered = renderContext.getValue("gathered_context");
    Object disposition = gathered instanceof JsonObject g ? g.getValue(DISPOSITION) : null;
    return object.copy().put(DISPOSITION, disposition == null ? "" : disposition);
  }
}
