package dev.hookline.domain;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The row's status column; the wire names are fixed by the design. */
public enum DeliveryStatus {
  PENDING("pending"), SUCCEEDED("succeeded"), DEAD_LETTER("dead_letter"), CANCELLED("cancelled"),
  /** The delivery's own window ({@code retry.deliverWithinSeconds}) ended before it succeeded. */
  EXPIRED("expired");

  private final String column;

  DeliveryStatus(String column) {
    this.column = column;
  }

  public String column() {
    return column;
  }

  /** Every status but pending is final: nothing is sent until an operator retries or resends it. */
  public boolean isFinal() {
    return this != PENDING;
  }

  /** Every final status as quoted SQL literals, e.g. {@code 'succeeded', 'dead_letter'}: one list for every statement. */
  public static String finalColumns() {
    return Arrays.stream(values()).filter(DeliveryStatus::isFinal).map(s -> "'" + s.column + "'")
        .collect(Collectors.joining(", "));
  }

  /** The status named by its column value, or null. */
  public static DeliveryStatus fromColumn(String value) {
    for (DeliveryStatus status : values()) {
      if (status.column.equals(value)) {
        return status;
      }
    }
    return null;
  }
}
