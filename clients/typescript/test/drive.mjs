// Drives a live server through the built client, as a Next.js app would; prints one JSON summary.
// Usage: TODO_API_URL=http://127.0.0.1:8000 TODO_API_TOKEN=<jwt> node test/drive.mjs
import { createTodoClient } from "todo-api-client";

const baseUrl = process.env.TODO_API_URL;
const client = createTodoClient({ baseUrl, token: async () => process.env.TODO_API_TOKEN });
const anonymous = createTodoClient({ baseUrl, token: () => null });

const summary = {};
const brief = (outcome) =>
  outcome.ok
    ? { ok: true, status: outcome.status, etag: outcome.etag, data: outcome.data }
    : { ok: false, status: outcome.status, problem: outcome.problem };
const titles = ({ status, data }) => ({ status, total: data.total, titles: data.tasks.map((task) => task.title) });

const milk = await client.createTask({ title: "Buy milk" });
const report = await client.createTask({ title: "Write report", description: "quarterly" });
const call = await client.createTask({ title: "Call mum", completed: true });
summary.created = [milk, report, call].map(brief);

summary.pendingByTitle = titles(await client.listTasks({ status: "pending", sort: "title", limit: 1 }));
summary.searched = titles(await client.listTasks({ q: "REPORT" }));
summary.completed = titles(await client.listTasks({ status: "completed", sort: "-created_at" }));

const id = milk.data.id;
const fetched = await client.getTask(id);
summary.fetched = brief(fetched);
const renamed = await client.updateTask(id, { title: "Buy oat milk" }, { ifMatch: fetched.etag });
summary.renamed = brief(renamed);
const stale = await client.updateTask(id, { title: "Buy goat milk" }, { ifMatch: fetched.etag });
summary.stale = brief(stale);
// What a caller does with it: switch on the status of the typed problem.
summary.staleAction = stale.ok ? "saved" : stale.status === 412 ? "reload" : "error";
summary.afterStale = brief(await client.getTask(id));

summary.toggled = brief(await client.setTaskCompletion(id, undefined, { ifMatch: renamed.etag }));
summary.toggledBack = brief(await client.setTaskCompletion(id));
// A body sets rather than toggles: false stays false.
summary.keptPending = brief(await client.setTaskCompletion(id, false));
summary.setDone = brief(await client.setTaskCompletion(id, true));

summary.deleted = brief(await client.deleteTask(report.data.id));
summary.afterDelete = brief(await client.getTask(report.data.id));
summary.invalid = brief(await client.createTask({ title: "   " }));
summary.anonymous = brief(await anonymous.listTasks());

// The v2 fields: priority, tags, a due in a time zone, a weekly recurrence.
const sync = await client.createTask({
  title: "Team sync",
  priority: "high",
  tags: ["work", "Meetings"],
  due: { date: "2026-12-07", time: "09:30", time_zone: "Europe/Berlin" },
  recurrence: "FREQ=WEEKLY;BYDAY=MO",
});
summary.v2created = brief(sync);
summary.byTagAndPriority = titles(await client.listTasks({ tag: ["meetings"], priority: "high,urgent", sort: "due" }));
const synced = await client.setTaskCompletion(sync.data.id, true);
summary.v2completed = brief(synced);
summary.nextOccurrence = brief(await client.getTask(synced.data.next_occurrence_id));

const me = await client.api.GET("/api/me");
summary.me = { status: me.response.status, data: me.data };

console.log(JSON.stringify(summary));
