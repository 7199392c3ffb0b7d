package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.config.ConfigLoader;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {

  private static final AddressPolicy DEFAULT = AddressPolicy.withAllowedNetworks(List.of());

  /** Literal to address without DNS; IPv6 text always stays IPv6 (Java would fold ::ffff:a.b.c.d into IPv4). */
  private static InetAddress address(String literal) {
    try {
      InetAddress parsed = InetAddress.getByName(literal.contains(":") ? "[" + literal + "]" : literal);
      if (literal.contains(":") && parsed instanceof Inet4Address) {
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(parsed.getAddress(), 0, v6, 12, 4);
        return Inet6Address.getByAddress(null, v6, null);
      }
      return parsed;
    } catch (UnknownHostException e) {
      throw new AssertionError("test literal does not parse: " + literal, e);
    }
  }

  // An empty reason column means the address is allowed.
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0.0.0.0,          this network",
    "0.255.255.255,    this network",
    "9.255.255.255,    ",
    "10.0.0.0,         private",
    "10.255.255.255,   private",
    "11.0.0.0,         ",
    "100.63.255.255,   ",
    "100.64.0.0,       carrier-grade NAT",
    "100.127.255.255,  carrier-grade NAT",
    "100.128.0.0,      ",
    "126.255.255.255,  ",
    "127.0.0.0,        loopback",
    "127.0.0.1,        loopback",
    "127.255.255.255,  loopback",
    "128.0.0.0,        ",
    "169.253.255.255,  ",
    "169.254.0.0,      link-local",
    "169.254.169.254,  link-local",
    "169.254.255.255,  link-local",
    "169.255.0.0,      ",
    "172.15.255.255,   ",
    "172.16.0.0,       private",
    "172.31.255.255,   private",
    "172.32.0.0,       ",
    "191.255.255.255,  ",
    "192.0.0.0,        reserved",
    "192.0.0.255,      reserved",
    "192.0.1.0,        ",
    "192.0.2.0,        documentation",
    "192.0.2.255,      documentation",
    "192.0.3.0,        ",
    "192.88.98.255,    ",
    "192.88.99.0,      reserved",
    "192.88.99.255,    reserved",
    "192.88.100.0,     ",
    "192.167.255.255,  ",
    "192.168.0.0,      private",
    "192.168.255.255,  private",
    "192.169.0.0,      ",
    "198.17.255.255,   ",
    "198.18.0.0,       reserved",
    "198.19.255.255,   reserved",
    "198.20.0.0,       ",
    "198.51.99.255,    ",
    "198.51.100.0,     documentation",
    "198.51.100.255,   documentation",
    "198.51.101.0,     ",
    "203.0.112.255,    ",
    "203.0.113.0,      documentation",
    "203.0.113.255,    documentation",
    "203.0.114.0,      ",
    "223.255.255.255,  ",
    "224.0.0.0,        multicast",
    "239.255.255.255,  multicast",
    "240.0.0.0,        reserved",
    "255.255.255.255,  reserved",
    "8.8.8.8,          ",
    "1.1.1.1,          ",
    "93.184.216.34,    ",
  })
  void ipv4Ranges(String literal, String reason) {
    assertThat(DEFAULT.refusalReason(address(literal))).isEqualTo(reason);
    assertThat(DEFAULT.isRefused(address(literal))).isEqualTo(reason != null);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "::,                                        unspecified",
    "::1,                                       loopback",
    "fc00::,                                    unique local",
    "fd12:3456::1,                              unique local",
    "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,   unique local",
    "fe80::,                                    link-local",
    "fe80::1,                                   link-local",
    "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff,   link-local",
    "fec0::1,                                   site-local",
    "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,   site-local",
    "ff00::,                                    multicast",
    "ff02::1,                                   multicast",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,   multicast",
    "100::,                                     discard",
    "100::ffff:ffff:ffff:ffff,                  discard",
    "2001:db8::,                                documentation",
    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,    documentation",
    "2001::,                                    Teredo",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2,      Teredo",
    "2001:0:ffff:ffff:ffff:ffff:ffff:ffff,      Teredo",
    "2606:4700:4700::1111,                      ",
    "2001:4860:4860::8888,                      ",
    "2a00:1450:4001::200e,                      ",
  })
  void ipv6Ranges(String literal, String reason) {
    assertThat(address(literal)).isInstanceOf(Inet6Address.class);
    assertThat(DEFAULT.refusalReason(address(literal))).isEqualTo(reason);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "::ffff:127.0.0.1,             IPv4-mapped loopback",
    "::ffff:169.254.169.254,       IPv4-mapped link-local",
    "::ffff:0.0.0.0,               IPv4-mapped this network",
    "::ffff:10.1.2.3,              IPv4-mapped private",
    "::ffff:8.8.8.8,               ",
    "::127.0.0.1,                  IPv4-compatible loopback",
    "::10.0.0.1,                   IPv4-compatible private",
    "::0.0.0.2,                    IPv4-compatible this network",
    "::8.8.8.8,                    ",
    "64:ff9b::127.0.0.1,           NAT64 loopback",
    "64:ff9b::a9fe:a9fe,           NAT64 link-local",
    "64:ff9b::8.8.8.8,             ",
    "64:ff9b:1::10.0.0.1,          NAT64 private",
    "64:ff9b:1::8.8.8.8,           ",
    "64:ff9b:1:ffff::808:808,      local-use NAT64",
    "2002:7f00:1::,                6to4 loopback",
    "2002:c0a8:101::1,             6to4 private",
    "2002:a9fe:a9fe::,             6to4 link-local",
    "2002:808:808::1,              ",
  })
  void embeddedIpv4FollowsTheIpv4Rules(String literal, String reason) {
    assertThat(address(literal)).isInstanceOf(Inet6Address.class);
    assertThat(DEFAULT.refusalReason(address(literal))).isEqualTo(reason);
  }

  @Test
  void javaFoldsMappedLiteralsIntoIpv4AndTheyAreStillRefused() throws UnknownHostException {
    InetAddress folded = InetAddress.getByName("::ffff:127.0.0.1");

    assertThat(folded).isInstanceOf(Inet4Address.class);
    assertThat(DEFAULT.refusalReason(folded)).isEqualTo("loopback");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "127.0.0.1,            ",
    "127.255.255.254,      ",
    "::ffff:127.0.0.1,     ",
    "::127.0.0.1,          ",
    "2002:7f00:1::,        ",
    "10.0.0.1,             private",
    "::ffff:10.0.0.1,      IPv4-mapped private",
    "::1,                  loopback",
    "169.254.169.254,      link-local",
  })
  void allowingLoopbackOpensOnlyLoopback(String literal, String reason) {
    AddressPolicy policy = AddressPolicy.withAllowedNetworks(List.of("127.0.0.0/8"));

    assertThat(policy.refusalReason(address(literal))).isEqualTo(reason);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "10.1.2.3,             ",
    "10.1.255.255,         ",
    "10.2.0.1,             private",
    "::1,                  ",
    "fd12::1,              ",
    "fc00::1,              unique local",
    "::ffff:192.168.1.7,   ",
    "192.168.1.7,          ",
    "192.168.2.7,          private",
  })
  void allowedNetworksOfBothFamilies(String literal, String reason) {
    AddressPolicy policy =
        AddressPolicy.withAllowedNetworks(
            List.of("10.1.0.0/16", "::1/128", "fd00::/8", "::ffff:192.168.1.0/120"));

    assertThat(policy.refusalReason(address(literal))).isEqualTo(reason);
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "",
        "10.0.0.0",
        "10.0.0.0/",
        "/8",
        "10.0.0.0/33",
        "::1/129",
        "10.0.0/8",
        "010.0.0.0/8",
        "10.0.0.256/8",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/ 8",
        " 10.0.0.0/8",
        "10.0.0.0/8/8",
        "::1/0x10",
        "localhost/8",
        "example.com/24",
        "fe80::%eth0/10",
        "fe80::g/10",
        "1:2:3:4:5:6:7:8:9/128",
      })
  void badCidrIsRejectedWithTheEntryInTheMessage(String entry) {
    assertThatThrownBy(() -> AddressPolicy.withAllowedNetworks(List.of("127.0.0.0/8", entry)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("security.allowedNetworks: not a CIDR: " + entry);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "2130706433",
        "0x7f000001",
        "0X7F000001",
        "0177.0.0.1",
        "127.1",
        "127.0.0.1.",
        "127.000.0.1",
        "127.0.0.01",
        "0x7f.0.0.1",
        "1.2.3.4.5",
        "1.2.3",
        "256.0.0.1",
        "8.8.8.8.",
        "0x",
        "example.0x1",
        "example.123",
      })
  void nonCanonicalNumericHostsAreRefused(String host) {
    assertThat(DEFAULT.checkHostLiteral(host)).isEqualTo("non-canonical numeric host " + host);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[::1]                     | blocked destination ::1 (loopback) | ::1/128",
        "::1                       | blocked destination ::1 (loopback) | ::1/128",
        "[0:0:0:0:0:0:0:1]         | blocked destination 0:0:0:0:0:0:0:1 (loopback) | ::1/128",
        "[::]                      | blocked destination :: (unspecified) | ::/128",
        "[::ffff:169.254.169.254]  | blocked destination ::ffff:169.254.169.254 (IPv4-mapped link-local) | 169.254.169.254/32 (or all of 169.254.0.0/16)",
        "[::ffff:a9fe:a9fe]        | blocked destination ::ffff:a9fe:a9fe (IPv4-mapped link-local) | 169.254.169.254/32 (or all of 169.254.0.0/16)",
        "[fe80::1%25eth0]          | blocked destination fe80::1 (link-local) | fe80::1/128 (or all of fe80::/10)",
        "[fd00::1]                 | blocked destination fd00::1 (unique local) | fd00::1/128 (or all of fc00::/7)",
        "[2002:7f00:1::]           | blocked destination 2002:7f00:1:: (6to4 loopback) | 127.0.0.1/32 (or all of 127.0.0.0/8)",
        "169.254.169.254           | blocked destination 169.254.169.254 (link-local) | 169.254.169.254/32 (or all of 169.254.0.0/16)",
        "127.0.0.1                 | blocked destination 127.0.0.1 (loopback) | 127.0.0.1/32 (or all of 127.0.0.0/8)",
        "0.0.0.0                   | blocked destination 0.0.0.0 (this network) | 0.0.0.0/32 (or all of 0.0.0.0/8)",
        "10.0.0.1                  | blocked destination 10.0.0.1 (private) | 10.0.0.1/32 (or all of 10.0.0.0/8)",
        "[::1                      | invalid IPv6 literal [::1 |",
        "::1]                      | invalid IPv6 literal ::1] |",
        "[]                        | invalid IPv6 literal [] |",
        "[127.0.0.1]               | invalid IPv6 literal [127.0.0.1] |",
        "[example.com]             | invalid IPv6 literal [example.com] |",
        "[gg::1]                   | invalid IPv6 literal [gg::1] |",
        "[1:2:3:4:5:6:7:8:9]       | invalid IPv6 literal [1:2:3:4:5:6:7:8:9] |",
        "[::ffff:0177.0.0.1]       | invalid IPv6 literal [::ffff:0177.0.0.1] |",
        "[::ffff:127.1]            | invalid IPv6 literal [::ffff:127.1] |",
      })
  void refusedLiterals(String host, String message, String toAdd) {
    if (toAdd == null) {
      assertThat(DEFAULT.checkHostLiteral(host)).isEqualTo(message);
      return;
    }
    // A refusal says what to add to open it, and adding the single address it names does open it.
    assertThat(DEFAULT.checkHostLiteral(host)).isEqualTo(message + "; to allow it, add " + toAdd + ALLOW);
    String single = toAdd.split(" ")[0];
    assertThat(AddressPolicy.withAllowedNetworks(List.of(single)).checkHostLiteral(host)).isNull();
  }

  private static final String ALLOW = " to security.allowedNetworks (HOOKLINE_SECURITY_ALLOWED_NETWORKS,"
      + " comma-separated)";

  @Test
  void theSettingTheHintNamesIsTheOneTheConfigurationReads() {
    assertThat(AddressPolicy.ALLOW_ENV).isEqualTo(ConfigLoader.envName("security", "allowedNetworks"));
    assertThat(ConfigLoader.defaults().getJsonObject("security").containsKey("allowedNetworks")).isTrue();
    assertThat(AddressPolicy.ALLOW_SETTING).isEqualTo("security.allowedNetworks");
  }

  @Test
  void anAddressThatIsNotRefusedNeedsNoHint() throws Exception {
    assertThat(DEFAULT.allowHint(InetAddress.getByAddress(new byte[] {8, 8, 8, 8}))).isNull();
    assertThat(AddressPolicy.withAllowedNetworks(List.of("10.0.0.0/8"))
        .allowHint(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}))).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "8.8.8.8",
        "93.184.216.34",
        "[2606:4700:4700::1111]",
        "[::ffff:8.8.8.8]",
        "example.com",
        "example.com.",
        "1password.com",
        "3com.com",
        "0xdeadbeef.com",
        "123.example",
        "0x7f.example",
        "localhost",
        "metadata.google.internal",
      })
  void acceptedHosts(String host) {
    assertThat(DEFAULT.checkHostLiteral(host)).isNull();
  }

  @Test
  void allowedNetworksAlsoApplyToLiterals() {
    AddressPolicy policy = AddressPolicy.withAllowedNetworks(List.of("127.0.0.0/8"));

    assertThat(policy.checkHostLiteral("127.0.0.1")).isNull();
    assertThat(policy.checkHostLiteral("[::ffff:127.0.0.1]")).isNull();
    assertThat(policy.checkHostLiteral("2130706433")).isEqualTo("non-canonical numeric host 2130706433");
    assertThat(policy.checkHostLiteral("[::1]")).isEqualTo("blocked destination ::1 (loopback); to allow it, add"
        + " ::1/128" + ALLOW);
  }
}
