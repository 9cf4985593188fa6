/**
 * The Todo API from TypeScript: openapi-fetch over the types generated from the API's OpenAPI
 * document (src/schema.ts, written by `make client`), plus what a generator cannot know: where
 * the bearer token comes from, the total in X-Total-Count, and the ETag to send back as If-Match.
 */
import createClient, { type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

type Schemas = components["schemas"];
export type Task = Schemas["TaskOut"];
export type NewTask = Schemas["TaskCreate"];
export type TaskChanges = Schemas["TaskEdit"];
/** PUT takes the same partial body as PATCH (v2): omitted fields keep their value. */
export type TaskReplacement = Schemas["TaskEdit"];
export type Me = Schemas["MeOut"];
export type TaskQuery = NonNullable<paths["/api/tasks"]["get"]["parameters"]["query"]>;
export type TaskId = paths["/api/tasks/{task_id}"]["get"]["parameters"]["path"]["task_id"];
/** Every error is RFC 9457 problem+json; a 422 also lists what is wrong with each field. */
export type Problem = Schemas["Problem"] & Partial<Pick<Schemas["ValidationProblem"], "errors">>;

/** The bearer token, or a function that returns the current one (e.g. Better Auth's JWT). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

export interface TodoClientOptions {
  baseUrl: string;
  token: TokenSource;
  fetch?: (request: Request) => Promise<Response>;
}

/** Change the task only if it is still at this ETag (as an earlier call returned it). */
export interface Precondition {
  ifMatch?: string | null;
}

/** The body and the task's ETag, or the API's problem: switch on `status` (412: stale ETag) or `problem.type`. */
export type Outcome<T> =
  | { ok: true; status: number; data: T; etag: string | null }
  | { ok: false; status: number; problem: Problem };

export type TodoClient = ReturnType<typeof createTodoClient>;

export function createTodoClient({ baseUrl, token, fetch }: TodoClientOptions) {
  const api = createClient<paths>({ baseUrl, ...(fetch ? { fetch } : {}) });
  api.use(bearer(token));
  const task = (task_id: TaskId) => ({ path: { task_id } });
  // Set as a plain header: its name in the generated parameters follows the schema's spelling.
  const ifMatch = (given: Precondition = {}) => (given.ifMatch ? { "If-Match": given.ifMatch } : {});

  return {
    /** The generated client: every route, typed from the OpenAPI document. */
    api,
    async listTasks(query: TaskQuery = {}): Promise<Outcome<{ tasks: Task[]; total: number }>> {
      const result = await api.GET("/api/tasks", { params: { query } });
      const total = result.response.headers.get("X-Total-Count");
      return settle(result, (tasks) => ({ tasks, total: total === null ? tasks.length : Number(total) }));
    },
    async createTask(body: NewTask): Promise<Outcome<Task>> {
      return settle(await api.POST("/api/tasks", { body }));
    },
    async getTask(id: TaskId): Promise<Outcome<Task>> {
      return settle(await api.GET("/api/tasks/{task_id}", { params: task(id) }));
    },
    async replaceTask(id: TaskId, body: TaskReplacement, given?: Precondition): Promise<Outcome<Task>> {
      const headers = ifMatch(given);
      return settle(await api.PUT("/api/tasks/{task_id}", { params: task(id), body, headers }));
    },
    async updateTask(id: TaskId, body: TaskChanges, given?: Precondition): Promise<Outcome<Task>> {
      const headers = ifMatch(given);
      return settle(await api.PATCH("/api/tasks/{task_id}", { params: task(id), body, headers }));
    },
    /** Sets `completed`, or toggles it when `completed` is left out. */
    async setTaskCompletion(id: TaskId, completed?: boolean, given?: Precondition): Promise<Outcome<Task>> {
      const path = "/api/tasks/{task_id}/complete";
      const headers = ifMatch(given);
      const body = completed === undefined ? undefined : { completed };
      return settle(await api.PATCH(path, { params: task(id), headers, ...(body ? { body } : {}) }));
    },
    async deleteTask(id: TaskId, given?: Precondition): Promise<Outcome<null>> {
      const result = await api.DELETE("/api/tasks/{task_id}", { params: task(id), headers: ifMatch(given) });
      return settle(result, () => null);
    },
  };
}

function bearer(token: TokenSource): Middleware {
  return {
    async onRequest({ request }) {
      const value = typeof token === "function" ? await token() : token;
      if (value) request.headers.set("Authorization", `Bearer ${value}`);
      return request;
    },
  };
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

function settle<T>(answer: Answer<T>): Outcome<T>;
function settle<T, R>(answer: Answer<T>, shape: (data: T) => R): Outcome<R>;
function settle<T, R>({ data, error, response }: Answer<T>, shape?: (data: T) => R): Outcome<T | R> {
  const { status } = response;
  if (!response.ok) return { ok: false, status, problem: asProblem(error, response) };
  const body = data as T;
  return { ok: true, status, data: shape ? shape(body) : body, etag: response.headers.get("ETag") };
}

/** The API's own problem body, or one made up for what a proxy in between may answer instead. */
function asProblem(error: unknown, response: Response): Problem {
  if (typeof error === "object" && error !== null && "status" in error && "title" in error) {
    return error as Problem;
  }
  const detail = typeof error === "string" ? error : "";
  return { type: "about:blank", title: response.statusText, status: response.status, detail };
}
