using System.Collections.Concurrent;
using Cpns.Gateway.Hosting;
using Cpns.Protocol.V1;

namespace Cpns.Pn.Tests.Support;

/// <summary>The server link's place until it exists: records what the gateway sends the server.</summary>
internal sealed class RecordingUplink : IServerUplink
{
    public ConcurrentQueue<Envelope> Sent { get; } = new();

    public ConcurrentQueue<(string GroupId, byte[] Message)> Relayed { get; } = new();

    public Task SendAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        Sent.Enqueue(envelope);
        return Task.CompletedTask;
    }

    public Task RelayGroupMessageAsync(string groupId, ReadOnlyMemory<byte> groupMessage, CancellationToken cancellationToken)
    {
        Relayed.Enqueue((groupId, groupMessage.ToArray()));
        return Task.CompletedTask;
    }
}
