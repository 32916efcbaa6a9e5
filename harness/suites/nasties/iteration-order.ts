/** Placeholder replaced below in this same change series. */
import { IcnError } from '../../../core/errors.js';
import type { CaseOutcome, SuiteContext } from '../types.js';

export const ITERATION_ORDER_ID_PREFIX = 'nasties/iteration_order::';
export const ITERATION_ORDER_COMPONENTS: string[] = [];

export async function runIterationOrder(component: string, _ctx: SuiteContext): Promise<CaseOutcome> {
  throw new IcnError('CASE_UNKNOWN', `no iteration-order component ${component}`);
}
