package dev.hookline.delivery;

import dev.hookline.store.AuthHeader;
import dev.hookline.store.ClaimedDelivery;
import dev.hookline.store.CustomHeader;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.Optional;

/** Builds the request for one attempt of a claimed delivery. Pure: no I/O. */
public final class OutboundRequests {
  private final String headerPrefix;

  public OutboundRequests(String headerPrefix) {
    this.headerPrefix = headerPrefix;
  }

  public String deliveryIdHeader() {
    return headerPrefix + "-Delivery-Id";
  }

  public String workflowRunIdHeader() {
    return headerPrefix + "-Workflow-Run-Id";
  }

  public String attemptHeader() {
    return headerPrefix + "-Delivery-Attempt";
  }

  /**
   * Order matters: custom headers first, then the credential, then the stable ids, so neither a
   * tenant header nor a credential can overwrite the ids receivers dedupe on.
   */
  public OutboundRequest build(ClaimedDelivery delivery, Optional<AuthHeader> auth) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set("Content-Type", "application/json");
    for (CustomHeader header : delivery.customHeaders()) {
      headers.set(header.key(), header.value());
    }
    auth.ifPresent(header -> headers.set(header.name(), header.value()));
    headers.set(deliveryIdHeader(), delivery.deliveryUuid().toString());
    headers.set(workflowRunIdHeader(), Long.toString(delivery.workflowRunId()));
    headers.set(attemptHeader(), Integer.toString(delivery.attempt()));

    HttpMethod method = HttpMethod.valueOf(delivery.httpMethod());
    boolean sendsBody = !(method == HttpMethod.GET || method == HttpMethod.DELETE);
    Buffer body = sendsBody ? Buffer.buffer(delivery.payload()) : null;
    return new OutboundRequest(method, delivery.endpointUrl(), headers, body);
  }
}
