package dev.hookline.delivery;

/** How an attempt's result is treated, before the attempt budget is taken into account. */
public enum Verdict {
  SUCCESS, TRANSIENT, PERMANENT
}
