using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Housing.Tests.Browser;

/// <summary>
/// A loopback TCP proxy in front of the app, to lose the network the way a phone does: <see cref="Cut"/> closes every
/// connection and refuses new ones (the server unreachable, for the page and its service worker alike), and
/// <see cref="DropNextAnswers"/> forwards a matching request to the app but throws its answer away and hangs up (the
/// request was recorded; the phone never heard so).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    readonly IPEndPoint target;
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly List<TcpClient> open = [];
    readonly CancellationTokenSource stop = new();
    volatile bool up = true;
    int dropsLeft;
    string dropPrefix = "";

    public TcpProxy(Uri app)
    {
        target = new IPEndPoint(IPAddress.Loopback, app.Port);
        listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        _ = AcceptAsync();
    }

    public string Url { get; }

    int dropped;

    /// <summary>Answers thrown away so far.</summary>
    public int Dropped => Volatile.Read(ref dropped);

    /// <summary>The network is gone: open connections are reset, new ones refused.</summary>
    public void Cut()
    {
        up = false;
        lock (open) { foreach (var c in open) c.Client.Close(0); open.Clear(); }
    }

    public void Restore() => up = true;

    /// <summary>The next <paramref name="count"/> requests starting with <paramref name="requestLinePrefix"/> (e.g. "POST /api/v1/")
    /// reach the app, but their answers are lost.</summary>
    public void DropNextAnswers(string requestLinePrefix, int count)
    {
        dropPrefix = requestLinePrefix;
        Interlocked.Exchange(ref dropsLeft, count);
    }

    async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception) when (stop.IsCancellationRequested) { return; }
            catch (ObjectDisposedException) { return; }
            if (!up) { client.Client.Close(0); continue; } // as good as refused: reset at once
            _ = RelayAsync(client);
        }
    }

    async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(target);
            lock (open) { open.Add(client); open.Add(server); }
            var dropping = new StrongBox();
            var up1 = PumpUpAsync(client.GetStream(), server.GetStream(), dropping);
            var down = PumpDownAsync(server.GetStream(), client.GetStream(), dropping);
            await Task.WhenAny(up1, down);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException) { }
        finally
        {
            lock (open) { open.Remove(client); open.Remove(server); }
            client.Client.Close(0);
            client.Dispose();
        }
    }

    sealed class StrongBox { public volatile bool Value; }

    async Task PumpUpAsync(NetworkStream from, NetworkStream to, StrongBox dropping)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer, stop.Token)) > 0)
        {
            if (!up) return;
            if (dropPrefix.Length > 0 && n >= dropPrefix.Length && Encoding.ASCII.GetString(buffer, 0, dropPrefix.Length) == dropPrefix
                && Interlocked.Decrement(ref dropsLeft) >= 0)
                dropping.Value = true;
            await to.WriteAsync(buffer.AsMemory(0, n), stop.Token);
        }
    }

    async Task PumpDownAsync(NetworkStream from, NetworkStream to, StrongBox dropping)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer, stop.Token)) > 0)
        {
            if (!up) return;
            if (dropping.Value)
            {
                Interlocked.Increment(ref dropped);
                return; // the app answered; the phone hears a reset instead
            }
            await to.WriteAsync(buffer.AsMemory(0, n), stop.Token);
        }
    }

    public ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        Cut();
        return ValueTask.CompletedTask;
    }
}
