package dev.hookline.intake;

import dev.hookline.domain.InvalidRequestException;
import dev.hookline.security.AddressPolicy;
import dev.hookline.security.BlockedDestinationException;
import dev.hookline.security.DestinationGuard;
import io.vertx.core.Future;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The create-time half of the destination guard for host names: a name that resolves into a refused
 * range is refused at create (400 on {@code webhook.endpointUrl}, nothing stored) instead of being
 * accepted and dead-lettered on its first attempt. Literal addresses were already judged by the parser.
 *
 * <p>A name that does not resolve now (or not within {@link #RESOLVE_TIMEOUT}) is accepted: DNS may be
 * down for a moment, or the record not published yet, and each attempt resolves the name again, retries
 * a failed look-up as a transient failure and refuses a refused answer then. Refusing here would turn a
 * DNS hiccup into lost webhooks. The send-time check stays the real guard either way, since an answer
 * can change after create (DNS rebinding).
 */
public final class DestinationCheck {
  /** Long enough for a healthy resolver, short enough that a DNS outage does not hold creates for long. */
  static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(2);
  private static final Logger LOG = LoggerFactory.getLogger(DestinationCheck.class);

  /**
   * Look-ups in flight at once. The system resolver blocks a worker thread for as long as the OS
   * resolver takes, whatever our timeout says, on the pool send-time resolution uses too; past this
   * many a create is accepted unchecked, as when DNS does not answer, and the send-time check decides.
   */
  static final int MAX_LOOKUPS = 8;

  private final DestinationGuard guard;
  private final AtomicInteger lookups = new AtomicInteger();

  public DestinationCheck(DestinationGuard guard) {
    this.guard = guard;
  }

  /**
   * Succeeds when {@code url} (already validated by the parser) may be stored; fails with
   * {@link InvalidRequestException} when its host name resolves to a refused address. Never blocks:
   * the look-up runs wherever the {@link dev.hookline.security.HostResolver} runs it (a worker thread
   * for the system resolver).
   */
  public Future<Void> check(String url) {
    String host = URI.create(url).getHost();
    // An address as written was judged by the parser already; only names need a look-up.
    if (AddressPolicy.isAddressLiteral(host)) {
      return Future.succeededFuture();
    }
    if (lookups.incrementAndGet() > MAX_LOOKUPS) {
      lookups.decrementAndGet();
      return Future.succeededFuture();
    }
    // Released when the resolver really finishes, not at the timeout: until then it holds a thread.
    return guard.vetHost(host)
        .onComplete(done -> lookups.decrementAndGet())
        .timeout(RESOLVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .<Void>mapEmpty()
        .recover(error -> {
          if (error instanceof BlockedDestinationException blocked) {
            return Future.failedFuture(new InvalidRequestException(CreateRequestParser.URL_FIELD,
                "blocked destination: " + blocked.detail()));
          }
          // The host only: a URL's path or query can carry a receiver's secret token.
          LOG.info("host {} could not be resolved at create ({}); accepted, each attempt resolves it again",
              host, error.toString());
          return Future.succeededFuture();
        });
  }

  /**
   * A check for the creates of one batch: a host named by many of them is looked up once. Use it from
   * one thread (the event loop that handles the batch).
   */
  public Function<String, Future<Void>> forBatch() {
    Map<String, Future<Void>> byHost = new HashMap<>();
    return url -> byHost.computeIfAbsent(URI.create(url).getHost().toLowerCase(Locale.ROOT),
        host -> check(url));
  }
}
