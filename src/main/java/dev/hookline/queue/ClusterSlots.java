package dev.hookline.queue;

import java.nio.charset.StandardCharsets;

/**
 * Redis Cluster's key-to-slot rule (cluster specification, "Keys distribution model"): a key's slot
 * is CRC16-XMODEM of the key modulo 16384, hashing only the part between the first "{" and the next
 * "}" when that part is not empty (its hash tag). Hookline picks tags with it so that each shard of
 * the schedule sits in a slot of its own, spread evenly over the slot range.
 */
final class ClusterSlots {
  static final int SLOTS = 16_384;

  private ClusterSlots() {
  }

  static int slotOf(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    int from = 0;
    int to = bytes.length;
    int open = indexOf(bytes, (byte) '{', 0);
    if (open >= 0) {
      int close = indexOf(bytes, (byte) '}', open + 1);
      if (close > open + 1) {
        from = open + 1;
        to = close;
      }
    }
    return crc16(bytes, from, to) & (SLOTS - 1);
  }

  /**
   * The first of the tags "0", "1", "2", … whose slot falls in the middle half of
   * [{@code from}, {@code to}): deterministic, so every worker names the same keys, and away from the
   * range's ends, where the slot ranges of two masters usually meet.
   */
  static String tagIn(int from, int to) {
    int quarter = (to - from) / 4;
    int low = from + quarter;
    int high = Math.max(low + 1, to - quarter);
    for (long candidate = 0; ; candidate++) {
      String tag = Long.toString(candidate);
      int slot = slotOf(tag);
      if (slot >= low && slot < high) {
        return tag;
      }
    }
  }

  /** CRC16-XMODEM (polynomial 0x1021, initial value 0), as Redis computes it. */
  static int crc16(byte[] bytes, int from, int to) {
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc ^= (bytes[i] & 0xFF) << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
    }
    return crc & 0xFFFF;
  }

  private static int indexOf(byte[] bytes, byte wanted, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == wanted) {
        return i;
      }
    }
    return -1;
  }
}
