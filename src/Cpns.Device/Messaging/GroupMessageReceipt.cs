namespace Cpns.Device.Messaging;

/// <summary>
/// The result of opening one group message. The ids are as the message claims them; they are
/// authenticated only when <see cref="Status"/> is <see cref="GroupMessageStatus.Opened"/>, and even then
/// <see cref="SenderPneId"/> only proves the sender holds the Group Key (see <see cref="GroupMessenger"/>).
/// </summary>
public sealed class GroupMessageReceipt
{
    internal GroupMessageReceipt(GroupMessageStatus status, string groupId = "", ulong epoch = 0, string senderPneId = "", ulong counter = 0, byte[]? payload = null)
    {
        Status = status;
        GroupId = groupId;
        Epoch = epoch;
        SenderPneId = senderPneId;
        Counter = counter;
        Payload = payload ?? [];
    }

    /// <summary>What happened to the message.</summary>
    public GroupMessageStatus Status { get; }

    /// <summary>The Service Group, or empty when the message could not be read.</summary>
    public string GroupId { get; }

    /// <summary>The epoch the message was sealed under, or 0.</summary>
    public ulong Epoch { get; }

    /// <summary>The sender the message names, or empty.</summary>
    public string SenderPneId { get; }

    /// <summary>The sender's message counter, or 0.</summary>
    public ulong Counter { get; }

    /// <summary>The application payload; empty unless <see cref="Status"/> is <see cref="GroupMessageStatus.Opened"/>.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"GroupMessageReceipt(status={Status}, group={GroupId}, epoch={Epoch}, sender={SenderPneId}, counter={Counter}, payloadBytes={Payload.Length})";
}
