namespace Cpns.Transport;

/// <summary>The publish and subscribe patterns of one role, and the reason given when none matches.</summary>
internal sealed class TopicRuleSet(string denyReason, string[] publish, string[] subscribe)
{
    private readonly TopicPattern[] _publish = [.. publish.Select(p => new TopicPattern(p))];
    private readonly TopicPattern[] _subscribe = [.. subscribe.Select(p => new TopicPattern(p))];

    public TopicAuthorization Authorize(string self, string topic, TopicAction action)
    {
        var levels = topic.Split('/');
        foreach (var pattern in action == TopicAction.Publish ? _publish : _subscribe)
        {
            if (pattern.Matches(levels, self, action))
            {
                return TopicAuthorization.Allow;
            }
        }

        return TopicAuthorization.Deny(denyReason);
    }
}
