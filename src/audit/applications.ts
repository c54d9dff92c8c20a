// `dbaas app …` against the store: one function for the CLI (DATABASE_URL) and for the worker's
// applicationRecords activity (the embedded PGlite belongs to the worker's process).
import { applicationRequestSchema, type ApplicationRequest, type ApplicationResult } from '../shared/applications';
import { ApplicationNotFound } from './sql-store';
import type { ApplicationsStore } from './types';

/** The part of the store that `dbaas app` uses. */
export type ApplicationStore = Pick<ApplicationsStore, 'upsertApplication' | 'assignService' | 'unassignService' | 'getApplication' | 'listApplications'>;

/** Validates the request (it may come from any client) and applies it. */
export async function applyApplicationRequest(store: ApplicationStore, input: ApplicationRequest): Promise<ApplicationResult> {
  const r = applicationRequestSchema.parse(input);
  switch (r.action) {
    case 'create': {
      const { application, created } = await store.upsertApplication(r.name, r.contacts);
      return { action: 'create', application, created };
    }
    case 'add': {
      const ref = { identityDomain: r.identityDomain, serviceName: r.serviceName };
      try {
        return { action: 'add', name: r.name, ...ref, ...(await store.assignService(r.name, ref)) };
      } catch (err) {
        if (err instanceof ApplicationNotFound) return { action: 'add', name: r.name, ...ref, missing: true };
        throw err;
      }
    }
    case 'remove': {
      const ref = { identityDomain: r.identityDomain, serviceName: r.serviceName };
      return { action: 'remove', name: r.name, ...ref, removed: await store.unassignService(r.name, ref) };
    }
    case 'show':
      return { action: 'show', application: await store.getApplication(r.name, r.deliveries) };
    case 'list':
      return { action: 'list', applications: await store.listApplications() };
  }
}
