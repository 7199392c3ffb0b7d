package dev.hookline.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * What a committed change has to tell the world: the events it caused, and the event rows written
 * with it (to queue for sending). Handed to the event publisher only after the commit, so no event
 * goes out for a change that was rolled back.
 */
public record Emitted(List<OutcomeEvent> events, List<DueRef> eventRows) {
  public static final Emitted NONE = new Emitted(List.of(), List.of());

  public Emitted {
    events = List.copyOf(events);
    eventRows = List.copyOf(eventRows);
  }

  public boolean isEmpty() {
    return events.isEmpty() && eventRows.isEmpty();
  }

  public Emitted plus(Emitted other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    List<OutcomeEvent> allEvents = new ArrayList<>(events);
    allEvents.addAll(other.events);
    List<DueRef> allRows = new ArrayList<>(eventRows);
    allRows.addAll(other.eventRows);
    return new Emitted(allEvents, allRows);
  }
}
