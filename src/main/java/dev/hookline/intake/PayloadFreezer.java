package dev.hookline.intake;

import dev.hookline.domain.PayloadTooLargeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Renders the template once and encodes the exact body every attempt will send. Receivers of the
 * reference implementation rely on {@code call_disposition} being present in object payloads.
 */
public final class PayloadFreezer {
  static final String DISPOSITION = "call_disposition";
  static final String FIELD = "webhook.payloadTemplate";
  /** Templates with more text than this are rendered off the event loop (see {@link #rendersInline}). */
  static final long INLINE_TEMPLATE_CHARS = 32 * 1024;
  /** The most template text accepted, whatever the payload limit: rendering never shrinks text much. */
  static final long MIN_TEMPLATE_CHARS_LIMIT = 1024 * 1024;

  private final TemplateRenderer renderer;
  private final int maxBytes;
  private final long maxTemplateChars;

  public PayloadFreezer(TemplateRenderer renderer, int maxBytes) {
    this.renderer = renderer;
    this.maxBytes = maxBytes;
    this.maxTemplateChars = Math.max(MIN_TEMPLATE_CHARS_LIMIT, maxBytes);
  }

  /**
   * Whether {@code template} is small enough to render on an event loop (a few milliseconds at
   * most; rendering is linear in the template and stops at the payload limit). Larger ones belong
   * on a worker thread. Refuses a template with more text than any payload could need.
   */
  public boolean rendersInline(Object template) {
    long chars = textChars(template, maxTemplateChars);
    if (chars > maxTemplateChars) {
      throw new PayloadTooLargeException(FIELD, "has over " + maxTemplateChars + " characters of text, the most a"
          + " template may have");
    }
    return chars <= INLINE_TEMPLATE_CHARS;
  }

  /** Characters of text (strings and keys) in a template, counted until past {@code stopAfter}. */
  private static long textChars(Object node, long stopAfter) {
    if (node instanceof String text) {
      return text.length();
    }
    long chars = 0;
    if (node instanceof JsonObject object) {
      node = object.getMap();
    } else if (node instanceof JsonArray array) {
      node = array.getList();
    }
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        chars += String.valueOf(entry.getKey()).length() + textChars(entry.getValue(), stopAfter - chars);
        if (chars > stopAfter) {
          return chars;
        }
      }
    } else if (node instanceof List<?> list) {
      for (Object item : list) {
        chars += textChars(item, stopAfter - chars);
        if (chars > stopAfter) {
          return chars;
        }
      }
    }
    return chars;
  }

  /** Renders and encodes the body, stopping as soon as it outgrows the payload limit. Any thread. */
  public String freeze(Object template, JsonObject renderContext) {
    Object rendered = renderer.render(template == null ? new JsonObject() : template, renderContext,
        TemplateRenderer.OutputBudget.of(maxBytes, FIELD));
    String body = Json.encode(withDisposition(rendered, renderContext));
    int size = body.getBytes(StandardCharsets.UTF_8).length;
    if (size > maxBytes) {
      throw new PayloadTooLargeException(FIELD,
          "rendered payload is " + size + " bytes, over the " + maxBytes + "-byte limit (delivery.maxPayloadBytes)");
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
