"""Counts invocations in module state; its helper says which package it is."""

import helper

INITIALISED = helper.name()
count = 0


def lambda_handler(event, context):
    global count
    count += 1
    return {"package": INITIALISED, "count": count, "helper": helper.name()}
