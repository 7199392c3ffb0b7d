package dev.hookline.domain;

/**
 * What a delivery row is: a webhook a caller asked for, or an outcome event Hookline sends to the
 * operator's {@code events.webhookUrl}. Events are never emitted about event rows.
 */
public enum DeliveryKind {
  DELIVERY("delivery"), EVENT("event");

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
}
