package dev.hookline.web;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Request bodies as the handlers take them: declared JSON, strict UTF-8, a clear 4xx otherwise. */
public final class RequestBodies {
  private RequestBodies() {
  }

  /**
   * The JSON object body, or null when {@code required} is false and there is none. A body that is
   * not declared as JSON is 415; one that does not parse as an object is 400.
   */
  public static JsonObject jsonBody(RoutingContext ctx, boolean required) {
    if (!required && isBlank(strictUtf8(ctx))) {
      return null;
    }
    Object parsed = jsonValue(ctx, "a JSON object");
    if (parsed instanceof JsonObject object) {
      return object;
    }
    throw ApiError.badRequest("body", "body: must be a JSON object");
  }

  /** The parsed JSON body; a body not declared as JSON is 415, an empty or malformed one 400. */
  public static Object jsonValue(RoutingContext ctx, String expected) {
    String text = strictUtf8(ctx);
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw new ApiError(415, "Content-Type", "Content-Type must be application/json");
    }
    if (isBlank(text)) {
      throw ApiError.badRequest("body", "body: " + expected + " is required");
    }
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      throw ApiError.badRequest("body", "body: not valid JSON");
    }
  }

  private static boolean isBlank(String text) {
    return text == null || text.isBlank();
  }

  /** Decodes the body refusing malformed UTF-8, which a lenient decode would silently replace. */
  private static String strictUtf8(RoutingContext ctx) {
    if (ctx.body().buffer() == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(ctx.body().buffer().getBytes()))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiError.badRequest("body", "body: not valid UTF-8");
    }
  }
}
