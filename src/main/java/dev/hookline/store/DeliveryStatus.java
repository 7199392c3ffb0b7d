package dev.hookline.store;

/** The row's status column; the wire names are fixed by the design. */
public enum DeliveryStatus {
  PENDING("pending"), SUCCEEDED("succeeded"), DEAD_LETTER("dead_letter");

  private final String column;

  DeliveryStatus(String column) {
    this.column = column;
  }

  public String column() {
    return column;
  }
}
