namespace Cpns.Transport;

/// <summary>What a peer asks to do with a topic.</summary>
public enum TopicAction
{
    /// <summary>Publish to a topic name.</summary>
    Publish = 1,

    /// <summary>Subscribe to a topic filter (which may hold <c>+</c> or <c>#</c>).</summary>
    Subscribe,
}
