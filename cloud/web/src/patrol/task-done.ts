import { computed } from 'vue';
import { randomId } from '../ids.js';
import type { NewRequest } from '../pwa/outbox/outbox.js';
import { myOutbox, queue, sendOutbox } from '../pwa/outbox/phone-outbox.js';
import { resultOf } from '../pwa/outbox/placeholders.js';
import type { Day } from './model.js';
import { both } from './texts.js';

type Task = Day['tasks'][number];

/** A task's own outbox subject: its photos and its "done" wait for each other, nothing else. */
const subjectOf = (taskId: string) => `patrol-task:${taskId}`;

/**
 * A special task marked done (`POST /patrol/tasks/{id}/done`) with what was done and photos
 * uploaded first (`POST /patrol/photos`), all through the outbox: without signal it waits on the
 * phone and goes out in order; the server takes a second "done" as the first.
 */
export async function markTaskDone(task: Task, note: string, photos: readonly File[]): Promise<void> {
  const requests: NewRequest[] = [];
  const photoIds = [];
  for (const photo of photos) {
    const id = randomId('photo');
    requests.push({
      id,
      kind: 'patrol.photo',
      subject: subjectOf(task.id),
      label: both('taskPhotoLabel', { title: task.title }),
      method: 'POST',
      path: `/patrol/photos?grid=${encodeURIComponent(task.grid_code)}`,
      body: { blob: photo, contentType: photo.type || 'image/jpeg' },
    });
    photoIds.push(resultOf(id, '/id'));
  }
  requests.push({
    id: randomId('task-done'),
    kind: 'patrol.task_done',
    subject: subjectOf(task.id),
    label: both('taskDoneLabel', { title: task.title }),
    method: 'POST',
    path: `/patrol/tasks/${encodeURIComponent(task.id)}/done`,
    body: { json: { note, photo_ids: photoIds } },
  });
  await queue(requests);
  await sendOutbox(false);
}

/** What became of each task's "done" on this phone: waiting to go out, or refused with the server's words. */
export const taskDoneOutcomes = computed(() => {
  const outcomes = new Map<string, { state: 'waiting' } | { state: 'sent' } | { state: 'refused'; reason: string }>();
  for (const item of myOutbox.value) {
    if (item.kind !== 'patrol.task_done') continue;
    const taskId = item.subject.slice('patrol-task:'.length);
    if (item.state === 'sent') outcomes.set(taskId, { state: 'sent' });
    else if (item.state === 'pending' || item.state === 'sending') outcomes.set(taskId, { state: 'waiting' });
    else outcomes.set(taskId, { state: 'refused', reason: item.problem?.text ?? '' });
  }
  return outcomes;
});
