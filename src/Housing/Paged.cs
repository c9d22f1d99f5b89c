namespace Housing;

/// <summary>One page of a list, with the total count for paging controls.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);
