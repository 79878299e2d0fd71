/** Any function of the app pushes to a socket it recorded: the SDK signs, a gone connection is a result. */
import { createConnectionClient } from '@tessera/runtime/websocket';

const connections = createConnectionClient({
  endpoint: process.env.WS_MANAGEMENT_ENDPOINT || 'https://abc123.execute-api.us-east-1.amazonaws.com/dev',
});

export async function notifyOrderChanged(connectionId: string, orderId: string, forget: (id: string) => Promise<void>) {
  const result = await connections.post(connectionId, JSON.stringify({ type: 'order.updated', orderId }));
  if (result === 'gone') await forget(connectionId); // the browser left; API Gateway answered 410
}
