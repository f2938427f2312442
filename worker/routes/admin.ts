// STUB: replaced by the delivery issue (POST /admin/replay).
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

export const admin = new Hono<AppEnv>().all('*', (c) => c.json({ error: 'not implemented yet' }, 501 as 404));
