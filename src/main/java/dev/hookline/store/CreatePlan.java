package dev.hookline.store;

import dev.hookline.domain.CreateOutcome;
import dev.hookline.domain.CreateResult;
import dev.hookline.domain.GoneEndpoint;
import dev.hookline.domain.NewDelivery;
import dev.hookline.domain.TenantMismatchException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides, item by item and in order, what a multi-row create does with each delivery, given the
 * rows its runs already have: refuse it (the run is another organization's), answer the existing
 * row, skip it (its endpoint is disabled for the organization), or insert it. Runs inside the create transaction, after the run locks are held.
 */
final class CreatePlan {
  private final List<Step> steps = new ArrayList<>();
  private final List<NewDelivery> toInsert = new ArrayList<>();

  CreatePlan(List<NewDelivery> deliveries, RowSet<Row> existing) {
    Map<Long, Long> runOwner = new HashMap<>();
    Map<Key, CreateResult> known = new HashMap<>();
    Set<Endpoint> disabled = new HashSet<>();
    for (Row row : existing) {
      if (row.getBoolean("disabled")) {
        disabled.add(new Endpoint(row.getLong("organization_id"), row.getString("endpoint_url")));
        continue;
      }
      runOwner.put(row.getLong("workflow_run_id"), row.getLong("organization_id"));
      known.put(new Key(row.getLong("workflow_run_id"), row.getString("webhook_node_id")),
          new CreateResult(false, row.getLong("id"), row.getUUID("delivery_uuid"),
              row.getOffsetDateTime("scheduled_for").toInstant()));
    }
    Map<Key, Integer> insertIndex = new HashMap<>();
    for (NewDelivery d : deliveries) {
      Long owner = runOwner.putIfAbsent(d.workflowRunId(), d.organizationId());
      Key key = new Key(d.workflowRunId(), d.webhookNodeId());
      if (owner != null && owner != d.organizationId()) {
        steps.add(new Step(new TenantMismatchException(d.workflowRunId(), owner, d.organizationId()), null, -1, false));
      } else if (known.containsKey(key)) {
        steps.add(new Step(null, known.get(key), -1, false));
      } else if (disabled.contains(new Endpoint(d.organizationId(), d.endpointUrl()))) {
        steps.add(Step.SKIPPED);
      } else if (insertIndex.containsKey(key)) {
        // A duplicate inside the batch: it gets the row its first occurrence creates, as "existing".
        steps.add(new Step(null, null, insertIndex.get(key), false));
      } else {
        insertIndex.put(key, toInsert.size());
        steps.add(new Step(null, null, toInsert.size(), true));
        toInsert.add(d);
      }
    }
  }

  List<NewDelivery> toInsert() {
    return toInsert;
  }

  /** The answers, given the results of inserting {@link #toInsert()} (same order). */
  List<CreateOutcome> outcomes(List<CreateResult> inserted) {
    List<CreateOutcome> outcomes = new ArrayList<>(steps.size());
    for (Step step : steps) {
      if (step == Step.SKIPPED) {
        outcomes.add(CreateOutcome.skipped(GoneEndpoint.REASON));
      } else if (step.refused() != null) {
        outcomes.add(CreateOutcome.refused(step.refused()));
      } else if (step.existing() != null) {
        outcomes.add(CreateOutcome.of(step.existing()));
      } else {
        CreateResult created = inserted.get(step.insert());
        outcomes.add(CreateOutcome.of(step.first() ? created
            : new CreateResult(false, created.id(), created.deliveryUuid(), created.scheduledFor())));
      }
    }
    return outcomes;
  }

  private record Key(long run, String node) {
  }

  private record Endpoint(long organizationId, String url) {
  }

  private record Step(TenantMismatchException refused, CreateResult existing, int insert, boolean first) {
    /** The endpoint answered 410 Gone for this organization: nothing is stored. */
    static final Step SKIPPED = new Step(null, null, -1, false);
  }
}
