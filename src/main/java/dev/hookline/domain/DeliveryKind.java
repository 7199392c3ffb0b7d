package dev.hookline.domain;

/**
 * What a delivery row is: a webhook a caller asked for, or an outcome event Hookline sends to the
 * operator's {@code events.webhookUrl}. Events are never emitted about event rows.
 */
public enum DeliveryKind {
  DELIVERY("delivery"), EVENT("event");

  /** What a field naming a kind may say, for the message refusing anything else. */
  public static final String NAMES = "delivery or event";

  private final String column;

  DeliveryKind(String column) {
    this.column = column;
  }

  public String column() {
    return column;
  }

  public static DeliveryKind fromColumn(String value) {
    return EVENT.column.equals(value) ? EVENT : DELIVERY;
  }

  /** The kind named exactly {@code value} ({@code delivery} or {@code event}); null for anything else. */
  public static DeliveryKind parse(Object value) {
    for (DeliveryKind kind : values()) {
      if (kind.column.equals(value)) {
        return kind;
      }
    }
    return null;
  }
}
