import { describe, expect, it } from "vitest";
import { newLinkFrame, parseLinkFrame } from "../../../src/capture/link/link-frame.js";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "../../../src/capture/link/link-types.js";
import { concat, ethernet, u16, u32 } from "../../support/bytes.js";

const ipv4Start = Uint8Array.of(0x45, 0, 0, 20);
const ipv6Start = Uint8Array.of(0x60, 0, 0, 0);

function parse(linkType: number, data: Uint8Array) {
  const frame = newLinkFrame();
  const known = parseLinkFrame(linkType, data, frame);
  return { known, ...frame };
}

describe("link layers", () => {
  it("reads Ethernet II", () => {
    expect(parse(1, ethernet(ipv4Start))).toEqual({ known: true, etherType: ETHERTYPE_IPV4, networkOffset: 14, vlanDepth: 0 });
  });

  it("steps over 802.1ad + 802.1Q (QinQ) tags", () => {
    const frame = ethernet(ipv6Start, 0x86dd, [[0x88a8, 200], [0x8100, 100]]);
    expect(parse(1, frame)).toEqual({ known: true, etherType: ETHERTYPE_IPV6, networkOffset: 22, vlanDepth: 2 });
  });

  it("marks an Ethernet header cut inside a VLAN tag as undecodable", () => {
    const frame = ethernet(new Uint8Array(0), 0x0800, [[0x8100, 1]]).subarray(0, 16);
    expect(parse(1, frame).etherType).toBe(-1);
  });

  it("reads Linux SLL (protocol at 14) and SLL2 (protocol first)", () => {
    const sll = concat(new Uint8Array(14), u16(0x0800), ipv4Start);
    expect(parse(113, sll)).toMatchObject({ etherType: ETHERTYPE_IPV4, networkOffset: 16 });
    const sll2 = concat(u16(0x86dd), new Uint8Array(18), ipv6Start);
    expect(parse(276, sll2)).toMatchObject({ etherType: ETHERTYPE_IPV6, networkOffset: 20 });
  });

  it("reads NULL in either byte order and each OS's AF_INET6", () => {
    expect(parse(0, concat(u32(2, true), ipv4Start))).toMatchObject({ etherType: ETHERTYPE_IPV4, networkOffset: 4 });
    expect(parse(0, concat(u32(2, false), ipv4Start))).toMatchObject({ etherType: ETHERTYPE_IPV4 });
    for (const family of [10, 24, 28, 30]) {
      expect(parse(0, concat(u32(family, true), ipv6Start)).etherType).toBe(ETHERTYPE_IPV6);
      expect(parse(0, concat(u32(family, false), ipv6Start)).etherType).toBe(ETHERTYPE_IPV6);
    }
  });

  it("reads LOOP in network byte order only", () => {
    expect(parse(108, concat(u32(2, false), ipv4Start)).etherType).toBe(ETHERTYPE_IPV4);
    expect(parse(108, concat(u32(2, true), ipv4Start)).etherType).not.toBe(ETHERTYPE_IPV4);
  });

  it("tells IPv4 from IPv6 by the version nibble on raw IP link types", () => {
    for (const linkType of [101, 12, 14, 228, 229]) {
      expect(parse(linkType, ipv4Start)).toMatchObject({ known: true, etherType: ETHERTYPE_IPV4, networkOffset: 0 });
      expect(parse(linkType, ipv6Start).etherType).toBe(ETHERTYPE_IPV6);
    }
  });

  it("says it does not know other link types", () => {
    expect(parse(147, ipv4Start).known).toBe(false);
    expect(parse(127, ipv4Start).known).toBe(false);
  });
});
