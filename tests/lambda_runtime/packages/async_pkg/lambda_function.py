"""An async def handler."""

import asyncio


async def lambda_handler(event, context):
    await asyncio.sleep(0)
    return {"async": event}
