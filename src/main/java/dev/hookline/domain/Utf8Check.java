package dev.hookline.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * Refuses strings that cannot be encoded as UTF-8 (unpaired UTF-16 surrogates): they would be
 * silently replaced when the body is frozen, so the receiver would get something else than sent.
 */
public final class Utf8Check {
  private Utf8Check() {
  }

  public static void requireValid(Object value, String path) {
    if (value instanceof String text) {
      if (!isWellFormed(text)) {
        throw new InvalidRequestException(path.isEmpty() ? "body" : path, "is not valid UTF-8 (unpaired surrogate)");
      }
    } else if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        String child = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
        requireValid(entry.getKey(), child);
        requireValid(entry.getValue(), child);
      }
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        requireValid(array.getValue(i), path + "[" + i + "]");
      }
    } else if (value instanceof Map<?, ?> || value instanceof List<?>) {
      requireValid(value instanceof Map<?, ?> ? new JsonObject(castMap(value)) : new JsonArray((List<?>) value), path);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object value) {
    return (Map<String, Object>) value;
  }

  /** The length of {@code text} in UTF-8, without encoding it. */
  public static long byteLength(CharSequence text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private static boolean isWellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
