package dev.hookline.delivery;

import dev.hookline.credentials.Credential;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.CustomHeader;
import dev.hookline.security.ReservedHeaders;
import dev.hookline.security.StandardWebhooks;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.time.Clock;
import java.util.Optional;

/** Builds the request for one attempt of a claimed delivery. Pure: no I/O. */
public final class OutboundRequests {
  private final ReservedHeaders reserved;
  private final String userAgent;
  private final Clock clock;
  private final StandardWebhooks eventSigner;

  /**
   * {@code userAgent} is sent on every request unless the delivery sets its own (e.g. {@code Hookline/1.2.0});
   * {@code eventSigner} (events.secret, or null) signs event deliveries, which carry no credential.
   */
  public OutboundRequests(String headerPrefix, String userAgent, Clock clock, StandardWebhooks eventSigner) {
    this.reserved = new ReservedHeaders(headerPrefix);
    this.userAgent = userAgent;
    this.clock = clock;
    this.eventSigner = eventSigner;
  }

  public OutboundRequests(String headerPrefix, String userAgent, Clock clock) {
    this(headerPrefix, userAgent, clock, null);
  }

  public OutboundRequests(String headerPrefix, String userAgent) {
    this(headerPrefix, userAgent, Clock.systemUTC());
  }

  public String deliveryIdHeader() {
    return reserved.deliveryId();
  }

  public String workflowRunIdHeader() {
    return reserved.workflowRunId();
  }

  public String attemptHeader() {
    return reserved.attempt();
  }

  /**
   * Order matters: custom headers first, then the credential, then the stable ids, so neither a
   * tenant header nor a credential can overwrite the ids receivers dedupe on. Content-Type and
   * User-Agent go before the custom headers: like Content-Type, a User-Agent a tenant sets wins,
   * since some receivers only admit the agent they were told to expect.
   */
  public OutboundRequest build(ClaimedDelivery delivery, Optional<Credential> credential) {
    HttpMethod method = HttpMethod.valueOf(delivery.httpMethod());
    boolean sendsBody = !(method == HttpMethod.GET || method == HttpMethod.DELETE);
    Buffer body = sendsBody ? Buffer.buffer(delivery.payload()) : null;

    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set("Content-Type", "application/json");
    headers.set("User-Agent", userAgent);
    for (CustomHeader header : delivery.customHeaders()) {
      headers.set(header.key(), header.value());
    }
    credential.map(Credential::header).ifPresent(header -> headers.set(header.name(), header.value()));
    credential.map(Credential::signer).ifPresent(signer -> sign(headers, signer, delivery, body));
    if (delivery.isEvent() && eventSigner != null) {
      sign(headers, eventSigner, delivery, body);
    }
    headers.set(deliveryIdHeader(), delivery.deliveryUuid().toString());
    headers.set(workflowRunIdHeader(), Long.toString(delivery.workflowRunId()));
    headers.set(attemptHeader(), Integer.toString(delivery.attempt()));
    return new OutboundRequest(method, delivery.endpointUrl(), headers, body);
  }

  /** Standard Webhooks: the id is the delivery uuid on every retry; the timestamp is this attempt's. */
  private void sign(MultiMap headers, StandardWebhooks signer, ClaimedDelivery delivery, Buffer body) {
    String id = delivery.deliveryUuid().toString();
    long timestamp = clock.instant().getEpochSecond();
    headers.set(StandardWebhooks.ID_HEADER, id);
    headers.set(StandardWebhooks.TIMESTAMP_HEADER, Long.toString(timestamp));
    headers.set(StandardWebhooks.SIGNATURE_HEADER, signer.signature(id, timestamp, body == null ? new byte[0] : body.getBytes()));
  }
}
