package dev.hookline.intake;

import dev.hookline.domain.NewDelivery;
import java.util.List;

/**
 * A test send's body as a create would store it (rendered payload, kept headers), but never stored;
 * {@code droppedHeaders} names the custom headers the header rules removed.
 */
public record PreparedTestSend(NewDelivery delivery, List<String> droppedHeaders) {
}
