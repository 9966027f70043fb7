// The tracefs format grammar, on the real format files of a 6.12 capture.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evalConst } from './c-expr.js';
import { cTypeSize, parseEventFormat, printSymbol } from './event-format.js';

const DIR = 'fixtures/traces/x86-q35-vtd-tcg-612-dat/formats';
const fmt = (name: string) => parseEventFormat(readFileSync(`${DIR}/${name}.format`, 'utf8'))!;

describe('constant C expressions of print fmts', () => {
  it('evaluates literals, casts, shifts and bit operations as unsigned 64-bit', () => {
    expect(evalConst('(1UL << 9)')).toBe(0x200n);
    expect(evalConst('(( gfp_t)((((1UL))) << (10)))|(( gfp_t)((((1UL))) << (11)))')).toBe(0xc00n);
    expect(evalConst('~(( gfp_t)0x10) & 0xff')).toBe(0xefn);
    expect(evalConst('0x1fUL + 010')).toBe(39n);
    expect(evalConst('-1')).toBe((1n << 64n) - 1n);
  });
  it('refuses what is not a constant', () => {
    expect(evalConst('DMA_TO_DEVICE')).toBeNull();
    expect(evalConst('(1 << ')).toBeNull();
    expect(evalConst('f(1)')).toBeNull();
  });
});

describe('format files (events/<system>/<event>/format)', () => {
  it('reads fixed fields with offsets, sizes and signedness', () => {
    const f = fmt('map');
    expect(f).toMatchObject({ name: 'map', id: 1265 });
    expect(f.common.map((c) => c.name)).toEqual(['common_type', 'common_flags', 'common_preempt_count', 'common_pid']);
    expect(f.fields.map((x) => [x.name, x.offset, x.size, x.loc])).toEqual([
      ['iova', 8, 8, 'fixed'],
      ['paddr', 16, 8, 'fixed'],
      ['size', 24, 8, 'fixed'],
    ]);
  });
  it('reads __data_loc strings and arrays with the element size of their type', () => {
    const f = fmt('dma_map_sg');
    const by = new Map(f.fields.map((x) => [x.name, x]));
    expect(by.get('device')).toMatchObject({ loc: 'data_loc', isString: true, arrayLen: 0, size: 4 });
    expect(by.get('phys_addrs')).toMatchObject({ loc: 'data_loc', elementSize: 8, isString: false });
    expect(by.get('lengths')).toMatchObject({ loc: 'data_loc', elementSize: 4 });
    expect(by.get('truncated')).toMatchObject({ offset: 20, size: 1, arrayLen: null });
    expect(by.get('attrs')).toMatchObject({ isLong: true });
  });
  it('reads the trailing char buf[] of print and the __rel_loc form', () => {
    expect(fmt('ftrace_print').fields.find((x) => x.name === 'buf')).toMatchObject({ arrayLen: 0, isString: true, offset: 16 });
    const rel = parseEventFormat('name: x\nID: 9\nformat:\n\tfield:__rel_loc u32[] vals;\toffset:8;\tsize:4;\tsigned:0;\n\tfield:char comm[16];\toffset:12;\tsize:16;\tsigned:0;\nprint fmt: "%d", 1\n')!;
    expect(rel.fields[0]).toMatchObject({ loc: 'rel_loc', elementSize: 4 });
    expect(rel.fields[1]).toMatchObject({ arrayLen: 16, elementSize: 1, isString: true });
  });
  it('reads the print fmt and its symbolic and flag tables, as the kernel prints them', () => {
    const f = fmt('dma_alloc');
    expect(f.printFmt).toBe('%s dir=%s dma_addr=%llx size=%zu virt_addr=%p flags=%s attrs=%s');
    expect(printSymbol(f.symbols.get('dir')!, 2n)).toBe('FROM_DEVICE');
    expect(printSymbol(f.symbols.get('dir')!, 7n)).toBe('0x7');
    expect(printSymbol(f.symbols.get('attrs')!, 0x100n)).toBe('NO_WARN');
    expect(printSymbol(f.symbols.get('attrs')!, 0n)).toBe('');
    expect(printSymbol(f.symbols.get('attrs')!, 0x20n | 0x1000n)).toBe('SKIP_CPU_SYNC|0x1000');
    // show_gfp_flags (include/trace/events/mmflags.h 6.12): composite masks first, "none" for 0
    expect(printSymbol(f.symbols.get('flags')!, 0x2dc0n)).toBe('GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO');
    expect(printSymbol(f.symbols.get('flags')!, 0n)).toBe('none');
  });
  it('sizes C types for the machine the trace came from', () => {
    expect(cTypeSize('unsigned long', 4)).toBe(4);
    expect(cTypeSize('unsigned long', 8)).toBe(8);
    expect(cTypeSize('u64', 4)).toBe(8);
    expect(cTypeSize('unsigned int', 8)).toBe(4);
    expect(cTypeSize('enum dma_data_direction', 8)).toBe(4);
    expect(cTypeSize('void *', 4)).toBe(4);
    expect(cTypeSize('struct foo', 8)).toBeNull();
  });
  it('is null for text that is not a format file', () => {
    expect(parseEventFormat('hello')).toBeNull();
  });
});
