package dev.hookline.delivery;

import dev.hookline.credentials.Credential;
import dev.hookline.credentials.CredentialStore;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.security.StandardWebhooks;
import dev.hookline.store.DeliveryRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongPredicate;

/**
 * A delivery's request as an attempt sends it, built by the same {@link OutboundRequests} from the
 * stored row and its credential, for an operator to read. The secrets stay here: the credential's
 * header, the signature and any header holding a secret of the credential show as {@link #MASK}.
 */
public final class SentRequests {
  public static final String MASK = "********";

  private final DeliveryRepository deliveries;
  private final CredentialStore credentials;
  private final OutboundRequests requests;

  public SentRequests(DeliveryRepository deliveries, CredentialStore credentials, OutboundRequests requests) {
    this.deliveries = deliveries;
    this.credentials = credentials;
    this.requests = requests;
  }

  /**
   * {@code {"method", "url", "headers": [{"name", "value"}], "body"}} for the delivery's last attempt
   * (its first, before any was sent; the signature timestamp is now), or null when there is no such
   * delivery. {@code visible} is asked about the delivery's organization first: false answers null
   * as well, before its credential is opened.
   */
  public Future<JsonObject> show(UUID deliveryUuid, LongPredicate visible) {
    return deliveries.findToSend(deliveryUuid).compose(delivery -> {
      if (delivery == null || !visible.test(delivery.organizationId())) {
        return Future.succeededFuture(null);
      }
      return credentials.resolve(delivery.organizationId(), delivery.credentialUuid())
          .map(credential -> toJson(delivery, credential));
    });
  }

  private JsonObject toJson(ClaimedDelivery delivery, Optional<Credential> credential) {
    OutboundRequest request = requests.build(delivery, credential);
    if (delivery.attempt() == 0) {
      request.headers().set(requests.attemptHeader(), "1");
    }
    List<String> secrets = credential.map(Credential::secrets).orElse(List.of());
    String credentialHeader = credential.map(c -> c.header() == null ? null : c.header().name()).orElse(null);
    JsonArray headers = new JsonArray();
    for (Map.Entry<String, String> header : request.headers()) {
      boolean secret = header.getKey().equalsIgnoreCase(credentialHeader)
          || header.getKey().equalsIgnoreCase(StandardWebhooks.SIGNATURE_HEADER)
          || secrets.stream().anyMatch(s -> !s.isEmpty() && header.getValue().contains(s));
      headers.add(new JsonObject().put("name", header.getKey()).put("value", secret ? MASK : header.getValue()));
    }
    return new JsonObject()
        .put("method", request.method().name())
        .put("url", request.url())
        .put("headers", headers)
        .put("body", request.body() == null ? null : request.body().toString());
  }
}
