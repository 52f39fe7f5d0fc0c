"""The catalogue of layer kinds; importing it fills the registry."""

from symparams.layers.conv import Conv
from symparams.layers.dense import Dense
from symparams.layers.input import Input
from symparams.layers.merge import Add, Concat, Multiply
from symparams.layers.norm import BatchNorm
from symparams.layers.pooling import AdaptivePool, GlobalPool, Pool
from symparams.layers.prelu import PReLU
from symparams.layers.structural import Activation, Dropout, Flatten, ZeroPadding

__all__ = ["Activation", "AdaptivePool", "Add", "BatchNorm", "Concat", "Conv", "Dense", "Dropout", "Flatten",
           "GlobalPool", "Input", "Multiply", "Pool", "PReLU", "ZeroPadding"]
