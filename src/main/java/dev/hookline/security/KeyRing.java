package dev.hookline.security;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys credential secrets are sealed under. The first key seals; the rest only open,
 * so a key can be rotated in front of the old one without re-encrypting every row first.
 *
 * <p>Error messages and {@link #toString()} name keys by id or position only: they end up in logs
 * and start-up failures, where key material must never appear.
 */
public final class KeyRing {
  static final int KEY_BYTES = 32;
  private static final String CONFIG_KEY = "security.secretKeys";
  // A 32-byte key is 44 base64 characters ending in '=', so it can never pass as an id (at most 32,
  // no '='); that is what makes it safe to echo valid ids in messages even if halves were swapped.
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,32}");
  private static final Pattern TEXT_SEPARATORS = Pattern.compile("[,\\s]+");
  private static final KeyRing EMPTY = new KeyRing(new LinkedHashMap<>());

  private final Map<String, SecretKey> keys;
  private final String activeKeyId;

  private KeyRing(LinkedHashMap<String, SecretKey> keys) {
    this.keys = Collections.unmodifiableMap(keys);
    this.activeKeyId = keys.isEmpty() ? null : keys.keySet().iterator().next();
  }

  /**
   * Parses "id:base64key" entries; the first is active for encryption, the rest decrypt-only.
   * Each key must decode to exactly 32 bytes; ids are 1..32 chars of [A-Za-z0-9_.-] and unique.
   *
   * @throws IllegalArgumentException naming the offending entry by position (and id, once known),
   *     never including key material
   */
  public static KeyRing parse(List<String> entries) {
    Objects.requireNonNull(entries, "entries");
    LinkedHashMap<String, SecretKey> keys = new LinkedHashMap<>();
    Map<String, Integer> positions = new LinkedHashMap<>();
    int position = 0;
    for (String raw : entries) {
      position++;
      String entry = raw == null ? "" : raw.strip();
      if (entry.isEmpty()) {
        throw problem(position, "entry is empty; expected id:base64key");
      }
      int colon = entry.indexOf(':');
      if (colon < 0) {
        // The whole entry may be a bare key, so it is described rather than quoted.
        throw problem(position, "expected id:base64key but found no ':'");
      }
      String id = entry.substring(0, colon);
      if (id.isEmpty()) {
        throw problem(position, "id is empty; expected id:base64key");
      }
      if (!ID.matcher(id).matches()) {
        throw problem(position, "id must be 1..32 characters of [A-Za-z0-9_.-]");
      }
      Integer earlier = positions.putIfAbsent(id, position);
      if (earlier != null) {
        throw problem(position, "duplicate id '" + id + "' (already used by entry " + earlier + ")");
      }
      byte[] material = decode(entry.substring(colon + 1), position, id);
      if (material.length != KEY_BYTES) {
        int length = material.length;
        Arrays.fill(material, (byte) 0);
        throw problem(position, "key '" + id + "' decodes to " + length
            + " bytes; AES-256 needs exactly " + KEY_BYTES);
      }
      keys.put(id, new SecretKeySpec(material, "AES"));
      Arrays.fill(material, (byte) 0);
    }
    return keys.isEmpty() ? EMPTY : new KeyRing(keys);
  }

  /**
   * Parses a comma, whitespace or newline separated list of "id:base64key" entries, such as the
   * HOOKLINE_SECRET_KEYS value or a key file's contents. Lines whose first non-blank character is
   * '#' are ignored. {@code null} or blank text gives the empty ring, so an unset variable means
   * "no keys" rather than an error. Positions in error messages count entries, not lines.
   */
  public static KeyRing parseText(String text) {
    if (text == null) {
      return EMPTY;
    }
    List<String> entries = new ArrayList<>();
    for (String line : text.split("\\R")) {
      if (line.strip().startsWith("#")) {
        continue;
      }
      for (String token : TEXT_SEPARATORS.split(line)) {
        if (!token.isEmpty()) {
          entries.add(token);
        }
      }
    }
    return parse(entries);
  }

  public static KeyRing empty() {
    return EMPTY;
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  /** @throws IllegalStateException when the ring is empty */
  public String activeKeyId() {
    if (activeKeyId == null) {
      throw new IllegalStateException("no encryption key configured");
    }
    return activeKeyId;
  }

  public boolean has(String keyId) {
    return keyId != null && keys.containsKey(keyId);
  }

  /** Ids in configuration order: the active id first. */
  public Set<String> keyIds() {
    return keys.keySet();
  }

  /** Package-private so key material never leaves the package that seals with it. */
  SecretKey key(String keyId) {
    return keyId == null ? null : keys.get(keyId);
  }

  @Override
  public String toString() {
    return isEmpty() ? "KeyRing[empty]" : "KeyRing[active=" + activeKeyId + ", ids=" + keys.keySet() + "]";
  }

  private static byte[] decode(String base64, int position, String id) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      // The decoder's message quotes the offending character of the key, so neither it nor the
      // exception (as a cause it would print in stack traces) is passed on.
      throw problem(position, "key '" + id + "' is not valid base64 (standard alphabet, as from "
          + "`openssl rand -base64 32`)");
    }
  }

  private static IllegalArgumentException problem(int position, String detail) {
    return new IllegalArgumentException(CONFIG_KEY + " entry " + position + ": " + detail);
  }
}
