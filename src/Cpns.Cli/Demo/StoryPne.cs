using Cpns.Device.Storage;

namespace Cpns.Cli.Demo;

/// <summary>
/// A PNE of the story, paired to one gateway: a <see cref="Cpns.Device.Client.DeviceClient"/> in this process
/// (<see cref="InProcessPne"/>) or a <c>cpns device run</c> process (<see cref="ProcessPne"/>). Everything the story
/// checks is read from the device's own key store or from what the device itself reported.
/// </summary>
internal abstract class StoryPne : IAsyncDisposable
{
    protected StoryPne(string pneId, GatewayProcess gateway)
    {
        PneId = pneId;
        Gateway = gateway;
    }

    public string PneId { get; }

    public GatewayProcess Gateway { get; }

    /// <summary>The group's entry in the device's key store, null when it never held a key of it.</summary>
    public abstract Task<GroupKeyInfo?> GetGroupAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Whether the store holds a GKDK, and its leaf.</summary>
    public abstract Task<(bool HasGkdk, int? Leaf)> GetGkdkAsync(CancellationToken cancellationToken);

    /// <summary>Whether the device received a broadcast of the group of <paramref name="epoch"/> or later, tried its GKDK and could not open it.</summary>
    public abstract bool FailedToOpen(string groupId, ulong epoch);

    /// <summary>Seals a text to the group under the device's current GK and publishes it.</summary>
    public abstract Task SendAsync(string groupId, string text, CancellationToken cancellationToken);

    /// <summary>The group messages the device opened so far.</summary>
    public abstract IReadOnlyList<(string GroupId, string Sender, string Text)> Received { get; }

    /// <summary>The epoch the device holds an active key of, 0 when none.</summary>
    public async Task<ulong> ActiveEpochAsync(string groupId, CancellationToken cancellationToken) =>
        await GetGroupAsync(groupId, cancellationToken).ConfigureAwait(false) is { Status: GroupKeyStatus.Active } info ? info.Epoch : 0;

    public abstract ValueTask DisposeAsync();
}
