// The five irq-info characters tracefs prints after the CPU (`d..1.`), from a record's
// common_flags and common_preempt_count: kernel/trace/trace_output.c (6.12)
// trace_print_lat_fmt, with the flag bits of kernel/trace/trace.h (6.12) enum trace_flag_type.

const IRQS_OFF = 0x01;
const IRQS_NOSUPPORT = 0x02;
const NEED_RESCHED = 0x04;
const HARDIRQ = 0x08;
const SOFTIRQ = 0x10;
const PREEMPT_RESCHED = 0x20;
const NMI = 0x40;
const BH_OFF = 0x80;

const HEX = '0123456789abcdef';
const cache = new Map<number, string>();

function latencyFlags(flags: number, preempt: number): string {
  const bhOff = flags & BH_OFF;
  const irqsOff = flags & IRQS_OFF && bhOff ? 'D' : flags & IRQS_OFF ? 'd' : bhOff ? 'b' : flags & IRQS_NOSUPPORT ? 'X' : '.';
  const resched = flags & (NEED_RESCHED | PREEMPT_RESCHED);
  const needResched = resched === (NEED_RESCHED | PREEMPT_RESCHED) ? 'N' : resched === NEED_RESCHED ? 'n' : resched === PREEMPT_RESCHED ? 'p' : '.';
  const nmi = flags & NMI;
  const hard = flags & HARDIRQ;
  const soft = flags & SOFTIRQ;
  const hardsoft = nmi && hard ? 'Z' : nmi ? 'z' : hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.';
  const depth = preempt & 0xf ? HEX[preempt & 0xf] : '.';
  const migrate = preempt & 0xf0 ? HEX[preempt >> 4] : '.';
  return irqsOff + needResched + hardsoft + depth + migrate;
}

/** the irq-info column for these common_flags / common_preempt_count bytes */
export function irqColumn(flags: number, preempt: number): string {
  const key = (flags << 8) | preempt;
  let s = cache.get(key);
  if (s === undefined) {
    s = latencyFlags(flags, preempt);
    cache.set(key, s);
  }
  return s;
}
