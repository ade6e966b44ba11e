// The sandbox ("pause") process as a tiny static ELF executable generated here, so the agent needs
// no pause image from a registry and embeds no binary asset: ~140 bytes of machine code that sleeps
// in a loop forever. It holds the pod's namespaces; containerd stops it with SIGKILL.
//   x86-64:  mov eax, 34 (pause) ; syscall ; jmp back
//   arm64:   x0..x3 = 0 ; x8 = 73 (ppoll with no fds and no timeout) ; svc #0 ; b back
import { ImageError } from './errors';
import type { OciArch } from './oci-image';

const BASE = 0x400000n;
const EHDR = 64;
const PHDR = 56;

const CODE: Readonly<Record<OciArch, { machine: number; align: bigint; code: Buffer }>> = {
  amd64: { machine: 0x3e, align: 0x1000n, code: Buffer.from([0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7]) },
  arm64: {
    machine: 0xb7,
    align: 0x10000n,
    code: (() => {
      const words = [0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa];
      const b = Buffer.alloc(words.length * 4);
      words.forEach((w, i) => b.writeUInt32LE(w, i * 4));
      return b;
    })(),
  },
};

export function pauseExecutable(arch: OciArch): Buffer {
  const spec = CODE[arch];
  if (!spec) throw new ImageError('unsupported-arch', `no pause executable for architecture ${String(arch)}; expected amd64 or arm64`);
  const size = EHDR + PHDR + spec.code.length;
  const b = Buffer.alloc(size, 0);
  // ELF header: 64-bit, little endian, current version, System V ABI.
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b, 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(spec.machine, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BASE + BigInt(EHDR + PHDR), 24); // entry
  b.writeBigUInt64LE(BigInt(EHDR), 32); // program headers
  b.writeBigUInt64LE(0n, 40); // no section headers
  b.writeUInt32LE(0, 48);
  b.writeUInt16LE(EHDR, 52);
  b.writeUInt16LE(PHDR, 54);
  b.writeUInt16LE(1, 56);
  b.writeUInt16LE(64, 58);
  b.writeUInt16LE(0, 60);
  b.writeUInt16LE(0, 62);
  // One PT_LOAD segment, read + execute, mapping the whole file at BASE.
  b.writeUInt32LE(1, EHDR);
  b.writeUInt32LE(5, EHDR + 4);
  b.writeBigUInt64LE(0n, EHDR + 8);
  b.writeBigUInt64LE(BASE, EHDR + 16);
  b.writeBigUInt64LE(BASE, EHDR + 24);
  b.writeBigUInt64LE(BigInt(size), EHDR + 32);
  b.writeBigUInt64LE(BigInt(size), EHDR + 40);
  b.writeBigUInt64LE(spec.align, EHDR + 48);
  spec.code.copy(b, EHDR + PHDR);
  return b;
}
