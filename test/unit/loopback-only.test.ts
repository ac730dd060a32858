import net from 'node:net';
import { isLoopbackHost } from '../support/loopback-only';

describe('tests reach loopback only', () => {
  test('When a test connects to a host other than loopback, then the connection fails at once naming the host', async () => {
    const error = await new Promise<Error>((resolve) => {
      const socket = net.connect({ host: '93.184.216.34', port: 443 });
      socket.on('error', resolve);
      socket.on('connect', () => resolve(new Error('connected')));
    });
    expect(error.message).toMatch(/loopback only: a connection to 93\.184\.216\.34 was refused/);
  });

  test('When a test connects to a local server, then it connects as usual', async () => {
    const server = net.createServer((s) => s.end('hi'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as net.AddressInfo;
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      const socket = net.connect(port, '127.0.0.1');
      socket.on('data', (d) => (got += d));
      socket.on('end', () => resolve(got));
      socket.on('error', reject);
    });
    await new Promise<void>((r) => server.close(() => r()));
    expect(text).toBe('hi');
  });

  test('When a host is named, then only 127.0.0.0/8, ::1 and localhost count as loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['10.0.0.1', 'login.microsoftonline.com', 'outlook.office365.com', '0.0.0.0', '::']) expect(isLoopbackHost(h)).toBe(false);
  });
});
