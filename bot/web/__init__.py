"""The aiohttp side: chat page and API, admin pages, health and metrics, and `serve`."""
