// RabbitMQ tutorial 1, "Hello World", with Warren: one task, one worker, one message through
// the default exchange to a queue named after the task. Run: npx tsx examples/hello-world.ts
import { Service, Task, Warren } from 'warren';

let received!: () => void;
const done = new Promise<void>((resolve) => (received = resolve));

@Service('hello')
class Receiver {
  @Task('hello')
  receive(message: { text: string }): Promise<void> {
    console.log(` [x] Received ${message.text}`);
    received();
    return Promise.resolve();
  }
}

const app = await Warren.start({ services: [Receiver] }); // the embedded broker
console.log(" [x] Sending 'Hello World!'");
await app.client.enqueue('hello', { text: 'Hello World!' });
await done;
await app.close();
