import { describe, expect, it } from "vitest";
import { destinationAddress, formatEndpoint, formatIpAddress, newIpPacket, sourceAddress } from "../../../src/capture/ip/ip-packet.js";
import { parseIpv4 } from "../../../src/capture/ip/ipv4.js";
import { parseIpv6 } from "../../../src/capture/ip/ipv6.js";
import { concat, u16 } from "../../support/bytes.js";

function ipv4Header(options: { optionsLength?: number; totalLength?: number; flagsAndOffset?: number; protocol?: number } = {}) {
  const optionsLength = options.optionsLength ?? 0;
  const header = new Uint8Array(20 + optionsLength);
  header[0] = 0x40 | ((20 + optionsLength) / 4);
  header.set(u16(options.totalLength ?? 20 + optionsLength + 8), 2);
  header.set(u16(options.flagsAndOffset ?? 0), 6);
  header[9] = options.protocol ?? 6;
  header.set([192, 0, 2, 1], 12);
  header.set([198, 51, 100, 7], 16);
  return header;
}

function ipv6Header(nextHeader: number, payloadLength: number) {
  const header = new Uint8Array(40);
  header[0] = 0x60;
  header.set(u16(payloadLength), 4);
  header[6] = nextHeader;
  header[23] = 1; // source ::1
  header[39] = 2;
  return header;
}

describe("IPv4", () => {
  it("skips options by IHL and limits the payload to the total length (ignoring Ethernet padding)", () => {
    const packet = newIpPacket();
    const data = concat(ipv4Header({ optionsLength: 8, totalLength: 28 + 8 }), new Uint8Array(8), new Uint8Array(6));
    expect(parseIpv4(data, 0, packet)).toBe("ok");
    expect(packet).toMatchObject({ version: 4, protocol: 6, payloadOffset: 28, payloadLength: 8, fragment: false });
    expect(formatIpAddress(sourceAddress(packet))).toBe("192.0.2.1");
    expect(formatIpAddress(destinationAddress(packet))).toBe("198.51.100.7");
  });

  it("flags first, middle and last fragments", () => {
    const packet = newIpPacket();
    for (const flagsAndOffset of [0x2000, 0x2010, 0x0010]) {
      parseIpv4(concat(ipv4Header({ flagsAndOffset }), new Uint8Array(8)), 0, packet);
      expect(packet.fragment).toBe(true);
    }
    parseIpv4(concat(ipv4Header({ flagsAndOffset: 0x4000 }), new Uint8Array(8)), 0, packet); // DF only
    expect(packet.fragment).toBe(false);
  });

  it("reports a cut-short header", () => {
    expect(parseIpv4(ipv4Header().subarray(0, 12), 0, newIpPacket())).toBe("truncated");
  });
});

describe("IPv6", () => {
  it("walks hop-by-hop and destination options to TCP", () => {
    const hopByHop = Uint8Array.of(60, 0, 1, 4, 0, 0, 0, 0); // next: destination options, 8 bytes
    const destination = Uint8Array.of(6, 1, ...new Array(14).fill(0)); // next: TCP, 16 bytes
    const data = concat(ipv6Header(0, 8 + 16 + 20), hopByHop, destination, new Uint8Array(20));
    const packet = newIpPacket();
    expect(parseIpv6(data, 0, packet)).toBe("ok");
    expect(packet).toMatchObject({ version: 6, protocol: 6, payloadOffset: 64, payloadLength: 20, fragment: false });
    expect(formatEndpoint(sourceAddress(packet), 443)).toBe("[::1]:443");
    expect(formatIpAddress(destinationAddress(packet))).toBe("::2");
  });

  it("flags a fragment header with more fragments", () => {
    const fragment = Uint8Array.of(6, 0, 0, 1, 0, 0, 0, 9);
    const packet = newIpPacket();
    expect(parseIpv6(concat(ipv6Header(44, 8 + 20), fragment, new Uint8Array(20)), 0, packet)).toBe("ok");
    expect(packet.fragment).toBe(true);
  });

  it("formats addresses in RFC 5952 form", () => {
    const address = new Uint8Array(16);
    address.set([0x20, 0x01, 0x0d, 0xb8], 0);
    address[15] = 1;
    expect(formatIpAddress(address)).toBe("2001:db8::1");
    expect(formatIpAddress(new Uint8Array(16))).toBe("::");
  });
});
