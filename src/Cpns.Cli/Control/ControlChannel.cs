using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Cpns.Cli.Control;

/// <summary>
/// The local control channel of a long-running <c>cpns</c> process (docs/gateway-host.md, "Control channel"): a
/// Unix domain socket <c>control.sock</c> in the data directory, mode 0600 inside the 0700 directory, so only the
/// owner of the data directory (who can read its keys anyway) can use it. One JSON object per line in, one out.
/// </summary>
internal static class ControlChannel
{
    public const string SocketFileName = "control.sock";

    public static string SocketPath(string dataDirectory) => Path.Combine(Path.GetFullPath(dataDirectory), SocketFileName);

    /// <summary>Serves requests until <paramref name="cancellationToken"/> is cancelled; one bad client never stops it.</summary>
    public static async Task ServeAsync(string socketPath, Func<JsonObject, CancellationToken, Task<JsonObject>> handler, CancellationToken cancellationToken)
    {
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        listener.Listen(8);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                _ = Task.Run(() => HandleAsync(client, handler, cancellationToken), CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    /// <summary>Whether a process serves the data directory's control socket now.</summary>
    public static bool IsServed(string dataDirectory)
    {
        var path = SocketPath(dataDirectory);
        if (!File.Exists(path))
        {
            return false;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Sends one request to the running process and returns its answer.</summary>
    /// <exception cref="InvalidOperationException">No process serves the data directory.</exception>
    public static async Task<JsonObject> RequestAsync(string dataDirectory, JsonObject request, CancellationToken cancellationToken)
    {
        var path = SocketPath(dataDirectory);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"No running cpns process serves '{Path.GetDirectoryName(path)}' (start `cpns gateway run` or `cpns device run` with that --data first).", e);
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await writer.WriteLineAsync(request.ToJsonString()).ConfigureAwait(false);
        var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The process closed the control channel without answering.");
        return JsonNode.Parse(line)?.AsObject() ?? throw new InvalidOperationException("The process's answer is not a JSON object.");
    }

    private static async Task HandleAsync(Socket client, Func<JsonObject, CancellationToken, Task<JsonObject>> handler, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: true);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
            using var reader = new StreamReader(stream, Encoding.UTF8);
            JsonObject response;
            try
            {
                var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                var request = line is null ? null : JsonNode.Parse(line)?.AsObject();
                response = request is null ? Error("empty request") : await handler(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
            {
                response = Error(e.Message);
            }

            await writer.WriteLineAsync(response.ToJsonString()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public static JsonObject Error(string message) => new() { ["error"] = message };
}
