package dev.hookline.security;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides whether a webhook destination may be contacted, so that a subscriber cannot point Hookline at
 * loopback, the cloud metadata service or the operator's private network (SSRF).
 *
 * <p>Three checks use it: {@link #checkHostLiteral} when a URL is registered (the host as written, no DNS);
 * {@link #refusalReason} on every address a host name resolves to, once at create (so a name that points
 * into a refused range is a 400, not a dead letter later) and again at send time. The send-time check is
 * the real guard, since DNS answers change (rebinding); the others give an early, readable error.
 */
public final class AddressPolicy {
  /**
   * Where an operator opens a refused range; every refusal a user sees names it, because the first thing
   * most people try is a receiver on their own machine or network. Spelled out here rather than derived
   * from the config classes, which depend on this one; AddressPolicyTest checks it against ConfigLoader.
   */
  public static final String ALLOW_SETTING = "security.allowedNetworks";
  public static final String ALLOW_ENV = "HOOKLINE_SECURITY_ALLOWED_NETWORKS";

  /** ::ffff:0:0/96, built by hand: it must exist before parseCidr runs, and parseCidr would fold it into IPv4. */
  private static final Cidr IPV4_MAPPED = new Cidr(mapped(new byte[4]), 96);

  private static final List<Range> REFUSED_V4 =
      List.of(
          range("0.0.0.0/8", "this network"),
          range("10.0.0.0/8", "private"),
          range("100.64.0.0/10", "carrier-grade NAT"),
          range("127.0.0.0/8", "loopback"),
          range("169.254.0.0/16", "link-local"),
          range("172.16.0.0/12", "private"),
          range("192.0.0.0/24", "reserved"),
          range("192.0.2.0/24", "documentation"),
          range("192.88.99.0/24", "reserved"),
          range("192.168.0.0/16", "private"),
          range("198.18.0.0/15", "reserved"),
          range("198.51.100.0/24", "documentation"),
          range("203.0.113.0/24", "documentation"),
          range("224.0.0.0/4", "multicast"),
          range("240.0.0.0/4", "reserved"));

  /** Native IPv6 ranges; the forms that carry an IPv4 address are handled by {@link #embeddedIpv4}. */
  private static final List<Range> REFUSED_V6 =
      List.of(
          range("::/128", "unspecified"),
          range("::1/128", "loopback"),
          range("fc00::/7", "unique local"),
          range("fe80::/10", "link-local"),
          range("fec0::/10", "site-local"),
          range("ff00::/8", "multicast"),
          range("100::/64", "discard"),
          range("2001:db8::/32", "documentation"),
          // Teredo tunnels to an IPv4 host that is obfuscated in the address and chosen by a relay,
          // so there is no embedded address we could vet.
          range("2001::/32", "Teredo"));

  private static final Cidr IPV4_COMPATIBLE = cidr("::/96");
  private static final Cidr NAT64 = cidr("64:ff9b::/96");
  private static final Cidr NAT64_LOCAL = cidr("64:ff9b:1::/48");
  private static final Cidr SIX_TO_FOUR = cidr("2002::/16");

  private final List<Cidr> allowed;

  private AddressPolicy(List<Cidr> allowed) {
    this.allowed = allowed;
  }

  /**
   * allowedNetworks: CIDR strings ("127.0.0.0/8", "10.1.0.0/16", "::1/128", "fd00::/8") that are opened
   * even though refused by default. Throws IllegalArgumentException("security.allowedNetworks: not a
   * CIDR: &lt;x&gt;") on a bad entry.
   */
  public static AddressPolicy withAllowedNetworks(List<String> allowedNetworks) {
    Objects.requireNonNull(allowedNetworks, "allowedNetworks");
    List<Cidr> parsed = new ArrayList<>();
    for (String entry : allowedNetworks) {
      Cidr cidr = entry == null ? null : parseCidr(entry);
      if (cidr == null) {
        throw new IllegalArgumentException("security.allowedNetworks: not a CIDR: " + entry);
      }
      parsed.add(cidr);
    }
    return new AddressPolicy(List.copyOf(parsed));
  }

  /** null when the address may be contacted, else a short reason such as "loopback" or "IPv4-mapped private". */
  public String refusalReason(InetAddress address) {
    byte[] bytes = address.getAddress();
    Embedded embedded = embeddedIpv4(bytes);
    if (isAllowed(bytes) || (embedded != null && embedded.ipv4 != null && isAllowed(embedded.ipv4))) {
      return null;
    }
    if (bytes.length == 4) {
      return reasonIn(REFUSED_V4, bytes);
    }
    if (embedded == null) {
      return reasonIn(REFUSED_V6, bytes);
    }
    if (embedded.ipv4 == null) {
      return embedded.form;
    }
    String inner = reasonIn(REFUSED_V4, embedded.ipv4);
    return inner == null ? null : embedded.form + " " + inner;
  }

  public boolean isRefused(InetAddress address) {
    return refusalReason(address) != null;
  }

  /**
   * How to open a refused address, null when it is not refused: "to allow it, add 10.1.2.3/32 (or all of
   * 10.0.0.0/8) to security.allowedNetworks (HOOKLINE_SECURITY_ALLOWED_NETWORKS, comma-separated)". The
   * single address comes first: opening one receiver is the narrow choice; the whole range is for a
   * development machine or a network the operator trusts. An address that carries an IPv4 address
   * (IPv4-mapped, 6to4, NAT64...) is judged by it, so the IPv4 entry is the one that opens it.
   */
  public String allowHint(InetAddress address) {
    if (refusalReason(address) == null) {
      return null;
    }
    byte[] bytes = address.getAddress();
    Embedded embedded = embeddedIpv4(bytes);
    byte[] target = embedded != null && embedded.ipv4 != null ? embedded.ipv4 : bytes;
    String single = format(target) + (target.length == 4 ? "/32" : "/128");
    Range range = rangeIn(target.length == 4 ? REFUSED_V4 : REFUSED_V6, target);
    String whole = range == null || range.cidr.prefixLength == target.length * 8 ? ""
        : " (or all of " + range.text + ")";
    return "to allow it, add " + single + whole + " to " + ALLOW_SETTING + " (" + ALLOW_ENV + ", comma-separated)";
  }

  /**
   * Create-time check of a URL host as written (no DNS). Returns null when fine, else a message:
   * "blocked destination &lt;ip&gt; (&lt;reason&gt;)" for a refused IP literal, "non-canonical numeric host
   * &lt;host&gt;" for IPv4 spellings other than a plain dotted quad, "invalid IPv6 literal &lt;host&gt;" for a
   * bracketed or colon-bearing host that does not parse. DNS names pass; they are checked after resolution.
   */
  public String checkHostLiteral(String host) {
    Objects.requireNonNull(host, "host");
    if (isIpv6Form(host)) {
      return checkIpv6Literal(host);
    }
    if (!looksLikeIpv4(host)) {
      return null;
    }
    byte[] ipv4 = parseDottedQuad(host);
    if (ipv4 == null) {
      // Resolvers and HTTP clients disagree on what 0177.1 or 2130706433 means; a spelling we cannot
      // read the same way as the code that connects is refused rather than interpreted.
      return "non-canonical numeric host " + host;
    }
    return blockedMessage(host, ipv4);
  }

  /**
   * Whether a URL host is written as an address (judged as written by {@link #checkHostLiteral})
   * rather than a name that must be resolved first.
   */
  public static boolean isAddressLiteral(String host) {
    return isIpv6Form(host) || looksLikeIpv4(host);
  }

  private static boolean isIpv6Form(String host) {
    return host.startsWith("[") || host.indexOf(':') >= 0;
  }

  private String checkIpv6Literal(String host) {
    String text = host;
    if (text.startsWith("[") || text.endsWith("]")) {
      if (!(text.startsWith("[") && text.endsWith("]"))) {
        return "invalid IPv6 literal " + host;
      }
      text = text.substring(1, text.length() - 1);
    }
    // The zone ("%25eth0" in a URL) names a local interface; it does not change which range the address is in.
    int zone = text.indexOf('%');
    if (zone >= 0) {
      text = text.substring(0, zone);
    }
    byte[] bytes = parseIpv6(text);
    if (bytes == null) {
      return "invalid IPv6 literal " + host;
    }
    return blockedMessage(text, bytes);
  }

  private String blockedMessage(String shownAs, byte[] bytes) {
    InetAddress address = toInetAddress(bytes);
    String reason = refusalReason(address);
    return reason == null ? null : "blocked destination " + shownAs + " (" + reason + "); " + allowHint(address);
  }

  private boolean isAllowed(byte[] bytes) {
    for (Cidr cidr : allowed) {
      if (cidr.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  private static String reasonIn(List<Range> ranges, byte[] bytes) {
    Range range = rangeIn(ranges, bytes);
    return range == null ? null : range.reason;
  }

  private static Range rangeIn(List<Range> ranges, byte[] bytes) {
    for (Range range : ranges) {
      if (range.cidr.contains(bytes)) {
        return range;
      }
    }
    return null;
  }

  /** Dotted quad, or RFC 5952's short IPv6 form (Java's getHostAddress writes every zero group out). */
  private static String format(byte[] bytes) {
    if (bytes.length == 4) {
      return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; i++) {
      int length = 0;
      while (i + length < 8 && groups[i + length] == 0) {
        length++;
      }
      if (length > bestLength) {
        bestStart = i;
        bestLength = length;
      }
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
  }

  /**
   * The IPv4 address an IPv6 address stands for, so that ::ffff:127.0.0.1 or 2002:7f00:1:: cannot reach what
   * 127.0.0.1 cannot. null for a native IPv6 address (and for :: and ::1, which are IPv6's own).
   */
  private static Embedded embeddedIpv4(byte[] bytes) {
    if (bytes.length != 16) {
      return null;
    }
    if (IPV4_MAPPED.contains(bytes)) {
      return new Embedded("IPv4-mapped", copy(bytes, 12));
    }
    if (IPV4_COMPATIBLE.contains(bytes)) {
      boolean nativeV6 = bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0 && (bytes[15] & 0xfe) == 0;
      return nativeV6 ? null : new Embedded("IPv4-compatible", copy(bytes, 12));
    }
    if (NAT64.contains(bytes)) {
      return new Embedded("NAT64", copy(bytes, 12));
    }
    if (NAT64_LOCAL.contains(bytes)) {
      // RFC 6052 lets a local NAT64 put the IPv4 address at several offsets depending on its prefix length;
      // only the /96 layout (bytes 6..11 zero) says unambiguously which host is meant.
      for (int i = 6; i < 12; i++) {
        if (bytes[i] != 0) {
          return new Embedded("local-use NAT64", null);
        }
      }
      return new Embedded("NAT64", copy(bytes, 12));
    }
    if (SIX_TO_FOUR.contains(bytes)) {
      return new Embedded("6to4", copy(bytes, 2));
    }
    return null;
  }

  private static byte[] copy(byte[] bytes, int from) {
    byte[] ipv4 = new byte[4];
    System.arraycopy(bytes, from, ipv4, 0, 4);
    return ipv4;
  }

  /**
   * WHATWG URL "ends in a number": such a host is parsed as IPv4 by browsers and many clients, whatever
   * else it looks like, so 1password.com is a name while example.0x1 is an (invalid) address.
   */
  private static boolean looksLikeIpv4(String host) {
    String trimmed = host.endsWith(".") && host.length() > 1 ? host.substring(0, host.length() - 1) : host;
    String last = trimmed.substring(trimmed.lastIndexOf('.') + 1);
    if (!last.isEmpty() && allDigits(last, 10)) {
      return true;
    }
    return last.length() >= 2
        && last.charAt(0) == '0'
        && (last.charAt(1) == 'x' || last.charAt(1) == 'X')
        && allDigits(last.substring(2), 16);
  }

  /** Exactly four decimal labels 0..255 without leading zeros; null for anything else. */
  private static byte[] parseDottedQuad(String text) {
    String[] labels = text.split("\\.", -1);
    if (labels.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String label = labels[i];
      if (label.isEmpty() || label.length() > 3 || !allDigits(label, 10)) {
        return null;
      }
      if (label.length() > 1 && label.charAt(0) == '0') {
        return null;
      }
      int value = Integer.parseInt(label);
      if (value > 255) {
        return null;
      }
      bytes[i] = (byte) value;
    }
    return bytes;
  }

  /** 16 bytes for a valid IPv6 literal (without brackets or zone), else null. Never touches DNS. */
  private static byte[] parseIpv6(String text) {
    if (text.indexOf(':') < 0) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != ':' && c != '.' && Character.digit(c, 16) < 0) {
        return null;
      }
    }
    int dot = text.indexOf('.');
    if (dot >= 0) {
      // Java reads the dotted tail leniently (0177 as decimal 177); insist on a plain quad so nothing
      // downstream can read it differently.
      String tail = text.substring(text.lastIndexOf(':') + 1);
      if (parseDottedQuad(tail) == null) {
        return null;
      }
    }
    InetAddress parsed;
    try {
      // Brackets make Java treat the text strictly as an IPv6 literal: it fails instead of falling back to
      // a lookup. The character check above already rules out anything a resolver could be asked about.
      parsed = InetAddress.getByName("[" + text + "]");
    } catch (UnknownHostException e) {
      return null;
    }
    byte[] bytes = parsed.getAddress();
    return bytes.length == 16 ? bytes : mapped(bytes);
  }

  /** Java turns ::ffff:a.b.c.d into a plain Inet4Address; this puts the mapped form back. */
  private static byte[] mapped(byte[] ipv4) {
    byte[] bytes = new byte[16];
    bytes[10] = (byte) 0xff;
    bytes[11] = (byte) 0xff;
    System.arraycopy(ipv4, 0, bytes, 12, 4);
    return bytes;
  }

  private static InetAddress toInetAddress(byte[] bytes) {
    try {
      // Inet6Address.getByAddress keeps ::ffff:a.b.c.d as IPv6, so the reason can say "IPv4-mapped".
      return bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, null) : Inet4Address.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("unreachable: address of " + bytes.length + " bytes", e);
    }
  }

  private static boolean allDigits(String text, int radix) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      // Character.digit also accepts non-ASCII digits, which no address parser reads as numbers.
      if (c > 0x7f || Character.digit(c, radix) < 0) {
        return false;
      }
    }
    return true;
  }

  /** "a.b.c.d/n" or "ipv6/n"; null when malformed. */
  private static Cidr parseCidr(String text) {
    int slash = text.indexOf('/');
    if (slash < 0 || slash != text.lastIndexOf('/')) {
      return null;
    }
    String addressText = text.substring(0, slash);
    String prefixText = text.substring(slash + 1);
    if (prefixText.isEmpty() || prefixText.length() > 3 || !allDigits(prefixText, 10)) {
      return null;
    }
    int prefix = Integer.parseInt(prefixText);
    byte[] network = addressText.indexOf(':') >= 0 ? parseIpv6(addressText) : parseDottedQuad(addressText);
    if (network == null || prefix > network.length * 8) {
      return null;
    }
    if (prefix >= 96 && IPV4_MAPPED.contains(network)) {
      // Java hands out mapped addresses as Inet4Address, so the entry must also match the IPv4 form.
      return new Cidr(copy(network, 12), prefix - 96);
    }
    return new Cidr(network, prefix);
  }

  private static Cidr cidr(String text) {
    Cidr cidr = parseCidr(text);
    if (cidr == null) {
      throw new IllegalStateException("bad built-in CIDR " + text);
    }
    return cidr;
  }

  private static Range range(String cidr, String reason) {
    return new Range(cidr(cidr), reason, cidr);
  }

  private record Range(Cidr cidr, String reason, String text) {}

  /** An embedding scheme name and the IPv4 address it carries; ipv4 null when it cannot be told. */
  private record Embedded(String form, byte[] ipv4) {}

  private record Cidr(byte[] network, int prefixLength) {
    /** Addresses of the other family never match: an IPv4 rule says nothing about native IPv6. */
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int fullBytes = prefixLength / 8;
      for (int i = 0; i < fullBytes; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int remainingBits = prefixLength % 8;
      if (remainingBits == 0) {
        return true;
      }
      int mask = (0xff << (8 - remainingBits)) & 0xff;
      return (address[fullBytes] & mask) == (network[fullBytes] & mask);
    }
  }
}
