package dev.hookline.domain;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.Map;
import java.util.UUID;

/** Typed field reads shared by the message parsers; every problem names the field. */
public final class Fields {
  private Fields() {
  }

  @SuppressWarnings("unchecked")
  public static JsonObject object(Object value, String field) {
    if (value instanceof JsonObject object) {
      return object;
    }
    if (value instanceof Map<?, ?> map) {
      return new JsonObject((Map<String, Object>) map);
    }
    throw new InvalidRequestException(field, value == null ? "is required" : "must be a JSON object");
  }

  /** Ids must be JSON integers; "7", 7.5 and booleans are refused rather than guessed at. */
  public static long positiveLong(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      throw new InvalidRequestException(field, "is required");
    }
    boolean integral = value instanceof Integer || value instanceof Long || value instanceof Short
        || (value instanceof BigInteger big && big.bitLength() < 64);
    if (!integral) {
      throw new InvalidRequestException(field, "must be an integer");
    }
    long id = ((Number) value).longValue();
    if (id <= 0) {
      throw new InvalidRequestException(field, "must be a positive integer");
    }
    return id;
  }

  /** Postgres text cannot hold NUL: such a value would fail the whole group's statement, so it is refused here. */
  public static String storable(String text, String field) {
    if (text != null && text.indexOf('\0') >= 0) {
      throw new InvalidRequestException(field, "must not contain NUL characters (Postgres cannot store them)");
    }
    return text;
  }

  /** A query or filter value that must be a positive integer; IllegalArgumentException otherwise. */
  public static long parsePositiveLong(String raw) {
    long value = Long.parseLong(raw);
    if (value <= 0) {
      throw new IllegalArgumentException("not positive");
    }
    return value;
  }

  public static UUID uuid(JsonObject json, String field) {
    UUID uuid = json.getValue(field) instanceof String text ? Uuids.parseOrNull(text) : null;
    if (uuid == null) {
      throw new InvalidRequestException(field, "must be a UUID");
    }
    return uuid;
  }

}
